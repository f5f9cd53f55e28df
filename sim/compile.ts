// Compiles a module hierarchy into the state and closures that the
// Simulator runs. It flattens the hierarchy, gives every signal a slot in one
// array of bit patterns, orders the combinational updates, and groups
// registers and memory ports into clock domains.

import { checkModuleRules } from '../compiler/checks/ir-rules.ts';
import { mask, toBits, typeName } from '../compiler/ir.ts';
import type { Expr, Memory, ModuleIR, Register, Signal, SourceLoc, Type } from '../compiler/ir.ts';
import { ClockDomain, type CompiledReadPort, type CompiledRegister, type CompiledWritePort } from './clock-domain.ts';
import { compileExpr, type EvalContext } from './evaluate.ts';
import { formatLoc } from '../compiler/errors.ts';
import { SimError } from './errors.ts';
import { flatten, type FlatAssign, type FlatMemory, type FlatNetlist, type FlatSignal } from './flatten.ts';
import { orderCombinational, type CombNode } from './schedule.ts';

/**
 * One step of settling, in the order the simulator runs them: an assign, or
 * forcing a register to its init while its asynchronous reset is active.
 */
export type CombStep =
  | { readonly kind: 'assign'; readonly slot: number; readonly value: Expr }
  | { readonly kind: 'asyncReset'; readonly slot: number; readonly resetSlot: number; readonly activeBit: bigint; readonly init: bigint };

/** The driver of a signal: an assign, a register, or a memory through one of its read ports. */
export type Driver = FlatAssign | Register | FlatMemory;

export class CompiledDesign {
  readonly netlist: FlatNetlist;
  /** Current bit pattern of every signal, indexed like `netlist.signals`; the closures below read and write it. */
  readonly values: bigint[];
  readonly slots = new Map<FlatSignal, number>();
  readonly memoryWords = new Map<Memory, bigint[]>();
  readonly drivers = new Map<FlatSignal, Driver>();

  /** Combinational updates in dependency order. */
  readonly combinational: (() => void)[] = [];
  /** The same updates as `combinational`, in the same order, as IR for the compiled back end. */
  readonly combinationalSteps: CombStep[] = [];
  /** Slots of the top-level inputs that clock something; step() drives them. */
  readonly primaryClocks = new Set<number>();
  readonly primaryDomains: ClockDomain[] = [];
  /** Domains clocked by a register. */
  readonly derivedDomains: ClockDomain[] = [];
  /** Slots of the top-level inputs that reach an asynchronous reset. */
  readonly asyncResetInputs = new Set<number>();

  private readonly registers: CompiledRegister[] = [];
  private readonly readPorts: CompiledReadPort[] = [];
  private readonly writePorts: CompiledWritePort[] = [];
  private readonly asyncResetNodes: CombNode[] = [];
  private readonly stepOfNode = new Map<CombNode, CombStep>();

  constructor(module: ModuleIR) {
    checkHierarchy(module);
    this.netlist = flatten(module);
    this.values = this.netlist.signals.map(() => 0n);

    this.netlist.signals.forEach((signal, slot) => {
      this.slots.set(signal, slot);
    });
    for (const memory of this.netlist.memories) {
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

  slotOf(signal: { name: string }): number {
    const slot = this.slots.get(signal as FlatSignal);
    if (slot === undefined) {
      throw new SimError(`internal error: signal '${signal.name}' is not part of the flattened netlist`);
    }
    return slot;
  }

  wordsOf(memory: Memory): bigint[] {
    const words = this.memoryWords.get(memory);
    if (words === undefined) {
      throw new SimError(`internal error: memory '${memory.name}' is not part of the flattened netlist`);
    }
    return words;
  }

  private setDriver(signal: FlatSignal, driver: Driver, loc: SourceLoc | undefined): void {
    const previous = this.drivers.get(signal);
    if (previous !== undefined) {
      throw new SimError(`signal '${signal.name}' has more than one driver (the other one is at ${formatLoc(previous.loc)})`, loc);
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
          const node: CombNode = {
            output: slot,
            inputs: [resetSlot],
            loc: register.loc,
            update: () => {
              if (isActive()) {
                this.values[slot] = init;
              }
            },
          };
          this.asyncResetNodes.push(node);
          this.stepOfNode.set(node, { kind: 'asyncReset', slot, resetSlot, activeBit, init });
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
        source: register,
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
          memory,
          source: port,
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
          memory,
          source: port,
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
      const node: CombNode = {
        output: slot,
        inputs: referencedSlots(assign.value, (signal) => this.slotOf(signal)),
        loc: assign.loc,
        update: () => {
          this.values[slot] = value();
        },
      };
      nodes.push(node);
      this.stepOfNode.set(node, { kind: 'assign', slot, value: assign.value });
    }

    nodes.push(...this.asyncResetNodes);

    const order = orderCombinational(nodes, (slot) => this.netlist.signals[slot].name);
    for (const node of order) {
      this.combinational.push(node.update);
      this.combinationalSteps.push(this.stepOfNode.get(node)!);
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
        `clock '${clock.name}' is driven by logic at ${formatLoc(this.drivers.get(signal)?.loc ?? signal.loc)}; ` +
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
