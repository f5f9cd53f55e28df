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
  perCycleFunctions(): { settle: () => void; primaryEdge: () => void };
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

  perCycleFunctions(): { settle: () => void; primaryEdge: () => void } {
    return { settle: () => this.settle(), primaryEdge: () => this.primaryEdge() };
  }
}
