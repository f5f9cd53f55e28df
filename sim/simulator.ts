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
//
// Two back ends run this model with identical results: the compiled one
// (the default), which generates JavaScript for the design, and the
// interpreter, which is the reference (see engine.ts).

import { mask, toBits, toInteger, typeName } from '../compiler/ir.ts';
import type { Memory, ModuleIR, SignalKind, SourceLoc, Type } from '../compiler/ir.ts';
import { CompiledEngine } from './codegen/compiled-engine.ts';
import { CompiledDesign } from './compile.ts';
import { InterpreterEngine, type Backend, type PerCycleFunctions, type SimEngine } from './engine.ts';
import { describeCloseNames, SimError } from './errors.ts';
import type { FlatMemory, FlatNetlist, FlatSignal } from './flatten.ts';
import { VcdWriter, type VcdTarget } from './vcd-writer.ts';

/** Receives the value of every signal, indexed like `netlist.signals`, at each clock edge. */
export interface SampleListener {
  sample(time: bigint, values: readonly bigint[]): void;
}

export type { Backend } from './engine.ts';

export interface SimulatorOptions {
  /** 'compiled' (the default) generates JavaScript for the design; 'interpreter' runs the reference interpreter. */
  readonly backend?: Backend;
}

/** Time units from one rising clock edge to the next in traces; the clock rises at 5, 15, 25, ... */
export const CLOCK_PERIOD = 10n;

export class Simulator {
  readonly netlist: FlatNetlist;

  readonly backend: Backend;

  private readonly design: CompiledDesign;
  private readonly engine: SimEngine;
  private readonly signalsByName = new Map<string, FlatSignal>();
  private readonly slotsByName = new Map<string, number>();
  private readonly inputsByName = new Map<string, SettableInput>();
  private readonly signedSlots: boolean[];
  // The engine's two per-cycle functions, taken out once so that a step
  // calls them without looking them up on the engine.
  private readonly settleNow: () => void;
  private readonly primaryEdge: () => void;
  private readonly loops: PerCycleFunctions;
  private lastName = '';
  private lastSlot = 0;
  private readonly memoriesByName = new Map<string, FlatMemory>();
  private readonly listeners: SampleListener[] = [];

  private dirty = true;
  private cycleCount = 0;

  constructor(module: ModuleIR, options: SimulatorOptions = {}) {
    const design = new CompiledDesign(module);
    this.design = design;
    this.netlist = design.netlist;
    this.backend = options.backend ?? 'compiled';
    if (this.backend === 'compiled') {
      this.engine = new CompiledEngine(design);
    } else if (this.backend === 'interpreter') {
      this.engine = new InterpreterEngine(design);
    } else {
      throw new SimError(`backend '${String(this.backend)}' is invalid: expected 'compiled' or 'interpreter'`);
    }
    const perCycle = this.engine.perCycleFunctions();
    this.settleNow = perCycle.settle;
    this.primaryEdge = perCycle.primaryEdge;
    this.loops = perCycle;

    this.signedSlots = this.netlist.signals.map((signal) => signal.type.signed);
    for (const signal of this.netlist.signals) {
      this.signalsByName.set(signal.name, signal);
      this.slotsByName.set(signal.name, this.design.slotOf(signal));
    }
    for (const memory of this.netlist.memories) {
      this.memoriesByName.set(memory.name, memory);
    }
  }

  /** Number of clock cycles stepped so far. */
  get cycle(): number {
    return this.cycleCount;
  }

  /** Sets a top-level input to an integer in the range of its type (negative for signed inputs). */
  set(name: string, value: bigint | number): void {
    const input = this.settableInput(name);
    const integer = typeof value === 'bigint' ? value : toBigInt(`input '${name}'`, value);
    if (integer < input.min || integer > input.max) {
      patternOf(`input '${name}'`, input.signal.type, integer);
    }
    this.assignInput(input.slot, integer < 0n ? BigInt.asUintN(input.signal.type.width, integer) : integer);
  }

  /** Sets a top-level input to a raw bit pattern in [0, 2^width). */
  setBits(name: string, bits: bigint | number): void {
    const input = this.settableInput(name);
    const signal = input.signal;
    const pattern = typeof bits === 'bigint' ? bits : toBigInt(`input '${name}'`, bits);
    if (pattern < 0n || pattern > input.mask) {
      throw new SimError(
        `bit pattern ${pattern} for input '${name}' is out of range: a ${typeName(signal.type)} pattern ` +
          `lies in [0, ${mask(signal.type.width)}]`,
      );
    }
    this.assignInput(input.slot, pattern);
  }

  /** Returns a signal's value as an integer: negative for a signed signal whose sign bit is set. */
  get(name: string): bigint {
    const slot = this.slotOfName(name);
    this.settle();
    const bits = this.engine.readBits(slot);
    return this.signedSlots[slot] ? toInteger(bits, this.netlist.signals[slot].type) : bits;
  }

  /** Returns a signal's raw bit pattern in [0, 2^width). */
  getBits(name: string): bigint {
    const slot = this.slotOfName(name);
    this.settle();
    return this.engine.readBits(slot);
  }

  /**
   * Steps the clock until signal `name` reads `value` (checked before each
   * step, so 0 steps when it already does) and returns the number of steps.
   * Throws after `maxSteps` steps without a match; `maxSteps` is a whole
   * number of at least 0, or Infinity. `value` must lie in the signal's range,
   * as for set(). It does what a loop of get() and step() does, with less
   * work per cycle.
   */
  stepUntil(name: string, value: bigint | number, maxSteps: number): number {
    const slot = this.slotOfName(name);
    const signal = this.netlist.signals[slot];
    const call = `stepUntil('${name}')`;
    const target = patternOf(call, signal.type, toBigInt(call, value));
    if (!(Number.isSafeInteger(maxSteps) && maxSteps >= 0) && maxSteps !== Infinity) {
      throw new SimError(`maxSteps ${maxSteps} of stepUntil('${name}') is invalid: expected a whole number of cycles, 0 or more, or Infinity`);
    }
    const runUntil = this.loops.runUntil;
    if (runUntil !== undefined && signal.type.width <= 32 && this.runsUnobserved()) {
      const steps = runUntil(slot, Number(target), maxSteps);
      this.dirty = false;
      if (steps < 0) {
        this.cycleCount += maxSteps;
        throw new SimError(`'${name}' did not become ${value} within ${maxSteps} cycles (at cycle ${this.cycleCount})`);
      }
      this.cycleCount += steps;
      return steps;
    }
    for (let steps = 0; ; steps++) {
      this.settle();
      if (this.engine.readBits(slot) === target) {
        return steps;
      }
      if (steps >= maxSteps) {
        throw new SimError(`'${name}' did not become ${value} within ${maxSteps} cycles (at cycle ${this.cycleCount})`);
      }
      this.stepOnce();
    }
  }

  /** Runs `count` clock cycles. */
  step(count = 1): void {
    if (count === 1) {
      this.stepOnce();
      return;
    }
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new SimError(`step count ${count} is invalid: expected a non-negative integer`);
    }
    const runSteps = this.loops.runSteps;
    if (runSteps !== undefined && this.runsUnobserved()) {
      runSteps(count);
      this.cycleCount += count;
      this.dirty = true;
      return;
    }
    for (let i = 0; i < count; i++) {
      this.stepOnce();
    }
  }

  /** Reads one memory word as an integer (negative for a signed memory whose sign bit is set). */
  readMemory(name: string, addr: bigint | number): bigint {
    const memory = this.memory(name);
    return toInteger(this.engine.readWord(memory, this.memoryIndex(memory, addr)), memory.type);
  }

  /** Overwrites one memory word. Logic that reads the memory returns the new word at once. */
  writeMemory(name: string, addr: bigint | number, value: bigint | number): void {
    const memory = this.memory(name);
    const what = `word ${addr} of memory '${name}'`;
    const pattern = patternOf(what, memory.type, toBigInt(what, value));
    this.engine.writeWord(memory, this.memoryIndex(memory, addr), pattern);
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
      const driver = this.design.drivers.get(signal);
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

  /** True when no listener needs to see each cycle and no register clocks a domain, so a run loop may take many steps at once. */
  private runsUnobserved(): boolean {
    return this.listeners.length === 0 && this.design.derivedDomains.length === 0;
  }

  private stepOnce(): void {
    this.settle();
    const tracing = this.listeners.length > 0;
    const start = tracing ? BigInt(this.cycleCount) * CLOCK_PERIOD : 0n;
    if (tracing) {
      this.emit(start);
    }

    if (this.design.derivedDomains.length === 0) {
      this.primaryEdge();
    } else {
      const derivedBefore = this.derivedClocks();
      this.primaryEdge();
      this.dirty = true;
      this.applyDerivedEdges(derivedBefore);
    }
    this.cycleCount++;

    if (tracing) {
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
    const domains = this.design.derivedDomains;
    let previous = before;
    for (let round = 0; domains.length > 0; round++) {
      if (round > domains.length) {
        throw new SimError('register clocks keep rising within one step; check for a register that clocks itself');
      }
      this.settle();
      const current = this.derivedClocks();
      const rising = domains.map((_, i) => i).filter((i) => previous[i] === 0n && current[i] === 1n);
      if (rising.length === 0) {
        return;
      }
      previous = current;
      this.engine.derivedEdges(rising);
      this.dirty = true;
    }
  }

  private derivedClocks(): bigint[] {
    return this.design.derivedDomains.map((domain) => this.engine.readBits(domain.clockSlot));
  }

  private settle(): void {
    if (!this.dirty) {
      return;
    }
    this.settleNow();
    this.dirty = false;
  }

  private emit(time: bigint): void {
    const values = this.engine.snapshot();
    for (const listener of this.listeners) {
      listener.sample(time, values);
    }
  }

  private setClocks(bit: bigint): void {
    for (const slot of this.design.primaryClocks) {
      this.engine.writeBits(slot, bit);
    }
    this.dirty = true;
  }

  private assignInput(slot: number, pattern: bigint): void {
    if (this.design.asyncResetInputs.has(slot)) {
      // Settle before and after, so an asynchronous reset acts on every change of this input.
      this.settle();
      this.engine.writeBits(slot, pattern);
      this.dirty = true;
      this.settle();
      return;
    }
    this.engine.writeBits(slot, pattern);
    this.dirty = true;
  }

  // A host loop polls one signal every cycle, so the last name read is kept
  // apart from the map. Comparing two equal string literals is cheap.
  private slotOfName(name: string): number {
    if (name === this.lastName) {
      return this.lastSlot;
    }
    const slot = this.slotsByName.get(name);
    if (slot === undefined) {
      return this.design.slotOf(this.signal(name));
    }
    this.lastName = name;
    this.lastSlot = slot;
    return slot;
  }

  /** Returns the input called `name` with its slot and range, checked once per name. */
  private settableInput(name: string): SettableInput {
    let input = this.inputsByName.get(name);
    if (input === undefined) {
      const signal = this.inputSignal(name);
      const { width, signed } = signal.type;
      input = {
        signal,
        slot: this.design.slotOf(signal),
        min: signed ? -(1n << BigInt(width - 1)) : 0n,
        max: signed ? (1n << BigInt(width - 1)) - 1n : mask(width),
        mask: mask(width),
      };
      this.inputsByName.set(name, input);
    }
    return input;
  }

  private inputSignal(name: string): FlatSignal {
    const signal = this.signal(name);
    if (signal.kind !== 'input') {
      const inputs = this.netlist.signals.filter((s) => s.kind === 'input').map((s) => s.name);
      throw new SimError(
        `'${name}' is ${KIND_NAMES[signal.kind]}, not a top-level input, so it cannot be set (inputs: ${inputs.join(', ') || 'none'})`,
      );
    }
    if (this.design.primaryClocks.has(this.design.slotOf(signal))) {
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
}

interface SettableInput {
  readonly signal: FlatSignal;
  readonly slot: number;
  /** The range of integers that `set` accepts. */
  readonly min: bigint;
  readonly max: bigint;
  readonly mask: bigint;
}

const KIND_NAMES: Record<SignalKind, string> = {
  input: 'an input',
  output: 'an output',
  wire: 'a wire',
  reg: 'a register',
  instout: 'an instance output',
  memdata: 'the data of a memory read port',
};

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

function toBigInt(what: string, value: bigint | number): bigint {
  if (typeof value === 'bigint') {
    return value;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    return BigInt(value);
  }
  throw new SimError(`value ${String(value)} for ${what} is not an integer within ±2^53; pass a bigint instead`);
}

