// The two back ends behind the Simulator: the interpreter, which runs the
// closures that compile.ts builds over bigint bit patterns, and the compiled
// back end (codegen/compiled-engine.ts), which runs JavaScript generated for
// the design. Both keep the same state and apply the same timing model. The
// Simulator does everything else (stepping, listeners, the API checks).

import type { Memory } from '../compiler/ir.ts';
import { applyEdges } from './clock-domain.ts';
import type { CompiledDesign } from './compile.ts';

export type Backend = 'compiled' | 'interpreter';

export interface SimEngine {
  readonly design: CompiledDesign;
  /** Runs every combinational update once, in dependency order. */
  settle(): void;
  /** Applies the rising edge of every domain clocked by a top-level input. */
  primaryEdge(): void;
  /** Applies the rising edges of the register-clocked domains at these indices of `design.derivedDomains`, together. */
  derivedEdges(indices: readonly number[]): void;
  readBits(slot: number): bigint;
  writeBits(slot: number, bits: bigint): void;
  readWord(memory: Memory, index: number): bigint;
  writeWord(memory: Memory, index: number, bits: bigint): void;
  /** Every signal's bit pattern, indexed like `design.netlist.signals`; valid until the state next changes. */
  snapshot(): readonly bigint[];
  /** Returns `settle` and `primaryEdge` as functions that need no `this`, for the Simulator to call every cycle. */
  perCycleFunctions(): PerCycleFunctions;
}

/**
 * The functions a Simulator calls in its loops. The optional loops run many
 * cycles in one call. The Simulator uses them only when no listener needs to
 * see each cycle and the design has no register-clocked domain.
 */
export interface PerCycleFunctions {
  readonly settle: () => void;
  readonly primaryEdge: () => void;
  /** Applies `count` primary edges, settling before each one, and leaves the state unsettled. */
  readonly runSteps?: (count: number) => void;
  /**
   * Settles and checks the one-limb signal at `slot` against `bits`, applying
   * a primary edge between checks. Returns the edges applied up to the
   * matching check, or -1 when `maxSteps` edges passed without a match. The
   * state is left settled either way.
   */
  readonly runUntil?: (slot: number, bits: number, maxSteps: number) => number;
}

export class InterpreterEngine implements SimEngine {
  constructor(readonly design: CompiledDesign) {}

  settle(): void {
    for (const update of this.design.combinational) {
      update();
    }
  }

  primaryEdge(): void {
    applyEdges(this.design.primaryDomains, this.design.values);
  }

  derivedEdges(indices: readonly number[]): void {
    applyEdges(indices.map((index) => this.design.derivedDomains[index]), this.design.values);
  }

  readBits(slot: number): bigint {
    return this.design.values[slot];
  }

  writeBits(slot: number, bits: bigint): void {
    this.design.values[slot] = bits;
  }

  readWord(memory: Memory, index: number): bigint {
    return this.design.wordsOf(memory)[index];
  }

  writeWord(memory: Memory, index: number, bits: bigint): void {
    this.design.wordsOf(memory)[index] = bits;
  }

  snapshot(): readonly bigint[] {
    return this.design.values;
  }

  perCycleFunctions(): PerCycleFunctions {
    return { settle: () => this.settle(), primaryEdge: () => this.primaryEdge() };
  }
}
