// A cycle-accurate, two-state simulator over the flattened netlist.
//
// Timing model, chosen to match a Verilog testbench that drives inputs on the
// falling clock edge and samples outputs before the next one:
// - Registers start at `init`, memdata signals at 0, memories at their `init`
//   words (0 past the end of `init`), clocks at 0.
// - `step()` settles combinational logic with the inputs set so far. On the
//   rising clock edge it then computes every register's next value, every
//   synchronous read port's data (reading memory before that edge's writes)
//   and every memory write from the settled values, and stores them together
//   (see clock-domain.ts). The clock then falls again, and logic settles
//   when a value is next read.
// - A register's reset takes priority over its enable. An asynchronous reset
//   also acts between edges: whenever it is active while logic settles, the
//   register is set to `init`, and it keeps that value after the reset is
//   released until the next rising edge, as `always @(posedge clk or posedge
//   rst)` does. Setting an input that feeds an asynchronous reset settles at
//   once, so a reset pulse between two steps is not lost.
// - A clock comes from a top-level input or from a register (a divided
//   clock), possibly passed down through instance ports. When a register
//   clock rises, its registers update at the same moment, after the edge
//   that raised it. NOTE: all top-level clock inputs rise together on each
//   `step()`, so several unrelated input clocks are simulated as one.

import { checkModuleRules } from '../compiler/checks/ir-rules.ts';
import { mask, toBits, toInteger, typeName } from '../compiler/ir.ts';
import type { Expr, Memory, ModuleIR, Register, Signal, SignalKind, SourceLoc, Type } from '../compiler/ir.ts';
import { applyEdges, ClockDomain, type CompiledReadPort, type CompiledRegister, type CompiledWritePort } from './clock-domain.ts';
import { compileExpr, type EvalContext } from './evaluate.ts';
import { describeCloseNames, formatSourceLoc, SimError } from './errors.ts';
import { flatten, type FlatAssign, type FlatMemory, type FlatNetlist, type FlatSignal } from './flatten.ts';
import { orderCombinational, type CombNode } from './schedule.ts';
import { VcdWriter, type VcdTarget } from './vcd-writer.ts';

/** Receives the value of every signal, indexed like `netlist.signals`, at each clock edge. */
export interface SampleListener {
  sample(time: bigint, values: readonly bigint[]): void;
}

/** Time units from one rising clock edge to the next in traces; the clock rises at 5, 15, 25, ... */
export const CLOCK_PERIOD = 10n;

export class Simulator {
  readonly netlist: FlatNetlist;

  private readonly values: bigint[];
  private readonly slots = new Map<FlatSignal, number>();
  private readonly signalsByName = new Map<string, FlatSignal>();
  private readonly memoriesByName = new Map<string, FlatMemory>();
  private readonly memoryWords = new Map<Memory, bigint[]>();
  private readonly drivers = new Map<FlatSignal, FlatAssign | Register | FlatMemory>();

  private readonly combinational: (() => void)[] = [];
  private readonly registers: CompiledRegister[] = [];
  private readonly readPorts: CompiledReadPort[] = [];
  private readonly writePorts: CompiledWritePort[] = [];
  private readonly asyncResetNodes: CombNode[] = [];
  private readonly primaryClocks = new Set<number>();
  private readonly primaryDomains: ClockDomain[] = [];
  private readonly derivedDomains: ClockDomain[] = [];
  private readonly asyncResetInputs = new Set<number>();
  private readonly listeners: SampleListener[] = [];

  private dirty = true;
  private cycleCount = 0;

  constructor(module: ModuleIR) {
    checkHierarchy(module);
    this.netlist = flatten(module);
    this.values = this.netlist.signals.map(() => 0n);

    this.netlist.signals.forEach((signal, slot) => {
      this.slots.set(signal, slot);
      this.signalsByName.set(signal.name, signal);
    });
    for (const memory of this.netlist.memories) {
      this.memoriesByName.set(memory.name, memory);
      this.memoryWords.set(memory, initialWords(memory));
    }

    const context: EvalContext = {
      values: this.values,
      slotOf: (signal) => this.slotOf(signal),
      wordsOf: (memory) => this.wordsOf(memory),
    };
    this.compileRegisters(context);
    this.compileMemories(context);
    this.compileCombinational(context);
    this.buildClockDomains();
  }

  /** Number of clock cycles stepped so far. */
  get cycle(): number {
    return this.cycleCount;
  }

  /** Sets a top-level input to an integer in the range of its type (negative for signed inputs). */
  set(name: string, value: bigint | number): void {
    const signal = this.inputSignal(name);
    this.assignInput(signal, patternOf(`input '${name}'`, signal.type, toBigInt(`input '${name}'`, value)));
  }

  /** Sets a top-level input to a raw bit pattern in [0, 2^width). */
  setBits(name: string, bits: bigint | number): void {
    const signal = this.inputSignal(name);
    const pattern = toBigInt(`input '${name}'`, bits);
    if (pattern < 0n || pattern > mask(signal.type.width)) {
      throw new SimError(
        `bit pattern ${pattern} for input '${name}' is out of range: a ${typeName(signal.type)} pattern ` +
          `lies in [0, ${mask(signal.type.width)}]`,
      );
    }
    this.assignInput(signal, pattern);
  }

  /** Returns a signal's value as an integer: negative for a signed signal whose sign bit is set. */
  get(name: string): bigint {
    const signal = this.signal(name);
    return toInteger(this.bitsOf(signal), signal.type);
  }

  /** Returns a signal's raw bit pattern in [0, 2^width). */
  getBits(name: string): bigint {
    return this.bitsOf(this.signal(name));
  }

  /** Runs `count` clock cycles. */
  step(count = 1): void {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new SimError(`step count ${count} is invalid: expected a non-negative integer`);
    }
    for (let i = 0; i < count; i++) {
      this.stepOnce();
    }
  }

  /** Reads one memory word as an integer (negative for a signed memory whose sign bit is set). */
  readMemory(name: string, addr: bigint | number): bigint {
    const memory = this.memory(name);
    const words = this.wordsOf(memory);
    return toInteger(words[this.memoryIndex(memory, addr)], memory.type);
  }

  /** Overwrites one memory word. Logic that reads the memory returns the new word at once. */
  writeMemory(name: string, addr: bigint | number, value: bigint | number): void {
    const memory = this.memory(name);
    const what = `word ${addr} of memory '${name}'`;
    const pattern = patternOf(what, memory.type, toBigInt(what, value));
    this.wordsOf(memory)[this.memoryIndex(memory, addr)] = pattern;
    this.dirty = true;
  }

  /** Returns the flattened signal called `name`, whose `type` and `kind` describe it. */
  signal(name: string): FlatSignal {
    const signal = this.signalsByName.get(name);
    if (signal === undefined) {
      const hint = this.memoriesByName.has(name) ? `'${name}' is a memory: use readMemory` : describeCloseNames(name, this.signalsByName.keys());
      throw new SimError(`signal '${name}' not found in module '${this.netlist.top.name}' (${hint})`);
    }
    return signal;
  }

  signalNames(): string[] {
    return this.netlist.signals.map((signal) => signal.name);
  }

  memoryNames(): string[] {
    return this.netlist.memories.map((memory) => memory.name);
  }

  /**
   * Returns where the logic that drives `name` was written: the assign,
   * register or memory read port, looking through instance port connections.
   * For a top-level input or an undriven signal it returns the declaration.
   */
  driverLoc(name: string): SourceLoc | undefined {
    let signal = this.signal(name);
    for (;;) {
      const driver = this.drivers.get(signal);
      if (driver === undefined) {
        return signal.loc;
      }
      if ('target' in driver && driver.connection && driver.value.kind === 'ref') {
        signal = driver.value.signal as FlatSignal;
        continue;
      }
      if ('readPorts' in driver) {
        return driver.readPorts.find((port) => port.data === signal)?.loc ?? driver.loc;
      }
      return driver.loc ?? signal.loc;
    }
  }

  addListener(listener: SampleListener): void {
    this.listeners.push(listener);
  }

  removeListener(listener: SampleListener): void {
    const index = this.listeners.indexOf(listener);
    if (index >= 0) {
      this.listeners.splice(index, 1);
    }
  }

  /**
   * Records every signal to a VCD file (or stream) from the next step on.
   * Call `close()` on the returned writer when done.
   */
  traceVcd(target: VcdTarget): VcdWriter {
    const writer = new VcdWriter(this, target);
    this.addListener(writer);
    return writer;
  }

  private stepOnce(): void {
    this.settle();
    const start = BigInt(this.cycleCount) * CLOCK_PERIOD;
    this.emit(start);

    const derivedBefore = this.derivedDomains.map((domain) => this.values[domain.clockSlot]);
    applyEdges(this.primaryDomains, this.values);
    this.dirty = true;
    this.applyDerivedEdges(derivedBefore);
    this.cycleCount++;

    if (this.listeners.length > 0) {
      // Only traces see the clock high; the state users read has it low again.
      this.setClocks(1n);
      this.settle();
      this.emit(start + CLOCK_PERIOD / 2n);
      this.setClocks(0n);
    }
    this.dirty = true;
  }

  // A register used as a clock changes only on an edge of another clock.
  // Each time one rises, its domain's edge follows at the same moment, as
  // Verilog runs `always @(posedge divided)` right after the update of
  // `divided`. That edge may in turn raise further register clocks.
  // NOTE: the divided domain reads combinational logic settled after the
  // first edge. Verilog leaves the order of that settling and the divided
  // edge undefined, and Icarus 11 runs the edge first, so only registers
  // sampled directly are sure to agree with it.
  private applyDerivedEdges(before: bigint[]): void {
    let previous = before;
    for (let round = 0; this.derivedDomains.length > 0; round++) {
      if (round > this.derivedDomains.length) {
        throw new SimError('register clocks keep rising within one step; check for a register that clocks itself');
      }
      this.settle();
      const current = this.derivedDomains.map((domain) => this.values[domain.clockSlot]);
      const rising = this.derivedDomains.filter((_, i) => previous[i] === 0n && current[i] === 1n);
      if (rising.length === 0) {
        return;
      }
      previous = current;
      applyEdges(rising, this.values);
      this.dirty = true;
    }
  }

  private settle(): void {
    if (!this.dirty) {
      return;
    }
    for (const update of this.combinational) {
      update();
    }
    this.dirty = false;
  }

  private emit(time: bigint): void {
    for (const listener of this.listeners) {
      listener.sample(time, this.values);
    }
  }

  private setClocks(bit: bigint): void {
    for (const slot of this.primaryClocks) {
      this.values[slot] = bit;
    }
    this.dirty = true;
  }

  private assignInput(signal: FlatSignal, pattern: bigint): void {
    const slot = this.slotOf(signal);
    if (this.asyncResetInputs.has(slot)) {
      // Settle before and after, so an asynchronous reset acts on every change of this input.
      this.settle();
      this.values[slot] = pattern;
      this.dirty = true;
      this.settle();
      return;
    }
    this.values[slot] = pattern;
    this.dirty = true;
  }

  private bitsOf(signal: FlatSignal): bigint {
    this.settle();
    return this.values[this.slotOf(signal)];
  }

  private inputSignal(name: string): FlatSignal {
    const signal = this.signal(name);
    if (signal.kind !== 'input') {
      const inputs = this.netlist.signals.filter((s) => s.kind === 'input').map((s) => s.name);
      throw new SimError(
        `'${name}' is ${KIND_NAMES[signal.kind]}, not a top-level input, so it cannot be set (inputs: ${inputs.join(', ') || 'none'})`,
      );
    }
    if (this.primaryClocks.has(this.slotOf(signal))) {
      throw new SimError(`'${name}' is a clock, which step() drives; it cannot be set`);
    }
    return signal;
  }

  private memory(name: string): FlatMemory {
    const memory = this.memoriesByName.get(name);
    if (memory === undefined) {
      throw new SimError(
        `memory '${name}' not found in module '${this.netlist.top.name}' (${describeCloseNames(name, this.memoriesByName.keys())})`,
      );
    }
    return memory;
  }

  private memoryIndex(memory: Memory, addr: bigint | number): number {
    const index = toBigInt(`address of memory '${memory.name}'`, addr);
    if (index < 0n || index >= BigInt(memory.depth)) {
      throw new SimError(`address ${index} is outside memory '${memory.name}', whose addresses are 0 to ${memory.depth - 1}`);
    }
    return Number(index);
  }

  private slotOf(signal: { name: string }): number {
    const slot = this.slots.get(signal as FlatSignal);
    if (slot === undefined) {
      throw new SimError(`internal error: signal '${signal.name}' is not part of the flattened netlist`);
    }
    return slot;
  }

  private wordsOf(memory: Memory): bigint[] {
    const words = this.memoryWords.get(memory);
    if (words === undefined) {
      throw new SimError(`internal error: memory '${memory.name}' is not part of the flattened netlist`);
    }
    return words;
  }

  private setDriver(signal: FlatSignal, driver: FlatAssign | Register | FlatMemory, loc: SourceLoc | undefined): void {
    const previous = this.drivers.get(signal);
    if (previous !== undefined) {
      throw new SimError(`signal '${signal.name}' has more than one driver (the other one is at ${formatSourceLoc(previous.loc)})`, loc);
    }
    if (signal.kind === 'input') {
      throw new SimError(`top-level input '${signal.name}' cannot also be driven by the design`, loc);
    }
    this.drivers.set(signal, driver);
  }

  private compileRegisters(context: EvalContext): void {
    for (const register of this.netlist.registers) {
      const signal = register.signal as FlatSignal;
      const slot = this.slotOf(signal);
      this.setDriver(signal, register, register.loc);
      if (register.enable) {
        expectExprType(register.enable, UINT1, `enable of register '${signal.name}'`);
      }

      const init = initPattern(`init of register '${signal.name}'`, signal.type, register.init, register.loc);
      this.values[slot] = init;

      let resetActive: (() => boolean) | undefined;
      if (register.reset) {
        const { reset } = register;
        if (reset.signal.type.width !== 1) {
          throw new SimError(`reset '${reset.signal.name}' of register '${signal.name}' must be 1 bit wide`, register.loc);
        }
        const resetSlot = this.slotOf(reset.signal);
        const activeBit = reset.activeLow ? 0n : 1n;
        const isActive = () => this.values[resetSlot] === activeBit;
        resetActive = isActive;

        // While an asynchronous reset is active, its register is forced to
        // init as part of settling, after the logic that computes the reset.
        if (reset.async) {
          this.asyncResetNodes.push({
            output: slot,
            inputs: [resetSlot],
            loc: register.loc,
            update: () => {
              if (isActive()) {
                this.values[slot] = init;
              }
            },
          });
        }
      }

      this.registers.push({
        slot,
        clock: register.clock,
        loc: register.loc,
        init,
        next: compileExpr(register.next, context),
        enable: register.enable && compileExpr(register.enable, context),
        resetActive,
      });
    }
  }

  private compileMemories(context: EvalContext): void {
    for (const memory of this.netlist.memories) {
      const words = this.wordsOf(memory);

      for (const port of memory.writePorts) {
        expectExprType(port.enable, UINT1, `write enable of memory '${memory.name}'`);
        this.writePorts.push({
          clock: port.clock,
          loc: port.loc,
          words,
          enable: compileExpr(port.enable, context),
          addr: compileExpr(port.addr, context),
          data: compileExpr(port.data, context),
        });
      }

      for (const port of memory.readPorts) {
        const data = port.data as FlatSignal;
        this.setDriver(data, memory, port.loc);
        if (port.enable) {
          expectExprType(port.enable, UINT1, `read enable of memory '${memory.name}'`);
        }
        if (data.type.width !== memory.type.width || data.type.signed !== memory.type.signed) {
          throw new SimError(
            `read data '${data.name}' is ${typeName(data.type)} but memory '${memory.name}' stores ${typeName(memory.type)}`,
            port.loc,
          );
        }
        this.readPorts.push({
          slot: this.slotOf(data),
          clock: port.clock,
          loc: port.loc,
          words,
          enable: port.enable && compileExpr(port.enable, context),
          addr: compileExpr(port.addr, context),
        });
      }
    }
  }

  private compileCombinational(context: EvalContext): void {
    const nodes: CombNode[] = [];

    for (const assign of this.netlist.assigns) {
      this.setDriver(assign.target, assign, assign.loc);
      const slot = this.slotOf(assign.target);
      const value = compileExpr(assign.value, context);
      nodes.push({
        output: slot,
        inputs: referencedSlots(assign.value, (signal) => this.slotOf(signal)),
        loc: assign.loc,
        update: () => {
          this.values[slot] = value();
        },
      });
    }

    nodes.push(...this.asyncResetNodes);

    const order = orderCombinational(nodes, (slot) => this.netlist.signals[slot].name);
    for (const node of order) {
      this.combinational.push(node.update);
    }
    this.findAsyncResetInputs(nodes);
  }

  // Groups registers and memory ports by the signal their clock comes from,
  // through port connections and plain renaming assigns: a top-level input,
  // which step() drives, or a register (a divided clock).
  private buildClockDomains(): void {
    const domains = new Map<number, ClockDomain>();
    const domainOf = (clock: Signal, loc: SourceLoc | undefined): ClockDomain => {
      const root = this.clockSource(clock as FlatSignal, loc);
      const slot = this.slotOf(root);
      let domain = domains.get(slot);
      if (domain === undefined) {
        domain = new ClockDomain(slot);
        domains.set(slot, domain);
        if (root.kind === 'input') {
          this.primaryClocks.add(slot);
          this.primaryDomains.push(domain);
        } else {
          this.derivedDomains.push(domain);
        }
      }
      return domain;
    };

    for (const register of this.registers) {
      domainOf(register.clock, register.loc).registers.push(register);
    }
    for (const port of this.readPorts) {
      domainOf(port.clock, port.loc).readPorts.push(port);
    }
    for (const port of this.writePorts) {
      domainOf(port.clock, port.loc).writePorts.push(port);
    }
  }

  private clockSource(clock: FlatSignal, loc: SourceLoc | undefined): FlatSignal {
    if (clock.type.width !== 1) {
      throw new SimError(`clock '${clock.name}' must be 1 bit wide, not ${typeName(clock.type)}`, loc);
    }
    let signal = clock;
    for (;;) {
      const driver = this.drivers.get(signal);
      if (driver === undefined || !('target' in driver) || driver.value.kind !== 'ref') {
        break;
      }
      signal = driver.value.signal as FlatSignal;
    }
    if (signal.kind !== 'input' && signal.kind !== 'reg') {
      throw new SimError(
        `clock '${clock.name}' is driven by logic at ${formatSourceLoc(this.drivers.get(signal)?.loc ?? signal.loc)}; ` +
          'the simulator supports only clocks that come from a top-level input or a register',
        loc,
      );
    }
    return signal;
  }

  // Finds the top-level inputs that reach an asynchronous reset through
  // combinational logic, whose changes must therefore settle at once.
  private findAsyncResetInputs(nodes: readonly CombNode[]): void {
    const producers = new Map(nodes.map((node) => [node.output, node]));
    const pending = this.netlist.registers.filter((r) => r.reset?.async).map((r) => this.slotOf(r.reset!.signal));
    const seen = new Set<number>();

    while (pending.length > 0) {
      const slot = pending.pop()!;
      if (seen.has(slot)) {
        continue;
      }
      seen.add(slot);
      if (this.netlist.signals[slot].kind === 'input') {
        this.asyncResetInputs.add(slot);
      }
      pending.push(...(producers.get(slot)?.inputs ?? []));
    }
  }
}

const UINT1: Type = { width: 1, signed: false };

/** Checks every module of the hierarchy once against the IR typing rules, which the operator functions rely on. */
function checkHierarchy(top: ModuleIR): void {
  const checked = new Set<ModuleIR>();
  const visit = (module: ModuleIR): void => {
    if (checked.has(module)) {
      return;
    }
    checked.add(module);
    checkModuleRules(module);
    module.instances.forEach((instance) => visit(instance.module));
  };
  visit(top);
}

const KIND_NAMES: Record<SignalKind, string> = {
  input: 'an input',
  output: 'an output',
  wire: 'a wire',
  reg: 'a register',
  instout: 'an instance output',
  memdata: 'the data of a memory read port',
};

function initialWords(memory: Memory): bigint[] {
  if (!Number.isSafeInteger(memory.depth) || memory.depth < 1) {
    throw new SimError(`memory '${memory.name}' has invalid depth ${memory.depth}`, memory.loc);
  }
  if (memory.init.length > memory.depth) {
    throw new SimError(`memory '${memory.name}' has ${memory.init.length} init words but depth ${memory.depth}`, memory.loc);
  }
  const words = new Array<bigint>(memory.depth).fill(0n);
  memory.init.forEach((word, i) => {
    words[i] = initPattern(`init word ${i} of memory '${memory.name}'`, memory.type, word, memory.loc);
  });
  return words;
}

/** Converts an integer in the range of `type` to its bit pattern. */
function patternOf(what: string, type: Type, value: bigint): bigint {
  const width = BigInt(type.width);
  const min = type.signed ? -(1n << (width - 1n)) : 0n;
  const max = type.signed ? (1n << (width - 1n)) - 1n : mask(type.width);
  if (value >= min && value <= max) {
    return toBits(value, type.width);
  }
  throw new SimError(`value ${value} for ${what} is out of range: ${typeName(type)} values are ${min} to ${max}`);
}

/**
 * Converts an init value from the IR to a bit pattern. The IR stores bit
 * patterns, but a negative integer in a signed type's range is accepted too.
 */
function initPattern(what: string, type: Type, value: bigint, loc: SourceLoc | undefined): bigint {
  const min = type.signed ? -(1n << BigInt(type.width - 1)) : 0n;
  if (value >= min && value <= mask(type.width)) {
    return toBits(value, type.width);
  }
  throw new SimError(`${what} is ${value}, which is neither a ${typeName(type)} value nor its bit pattern`, loc);
}

function toBigInt(what: string, value: bigint | number): bigint {
  if (typeof value === 'bigint') {
    return value;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    return BigInt(value);
  }
  throw new SimError(`value ${String(value)} for ${what} is not an integer within ±2^53; pass a bigint instead`);
}

function expectExprType(expr: Expr, type: Type, what: string): void {
  if (expr.type.width !== type.width || expr.type.signed !== type.signed) {
    throw new SimError(`${what} is ${typeName(expr.type)}, expected ${typeName(type)}`, expr.loc);
  }
}

function referencedSlots(expr: Expr, slotOf: (signal: { name: string }) => number): number[] {
  const slots: number[] = [];
  const visit = (node: Expr): void => {
    switch (node.kind) {
      case 'const':
        return;
      case 'ref':
        slots.push(slotOf(node.signal));
        return;
      case 'unary': case 'extend': case 'slice': case 'cast':
        visit(node.arg);
        return;
      case 'binary':
        visit(node.left);
        visit(node.right);
        return;
      case 'concat':
        node.parts.forEach(visit);
        return;
      case 'mux':
        visit(node.sel);
        visit(node.whenTrue);
        visit(node.whenFalse);
        return;
      case 'memread':
        // Memory words change only on clock edges, so only the address is a combinational input.
        visit(node.addr);
        return;
    }
  };
  visit(expr);
  return slots;
}
