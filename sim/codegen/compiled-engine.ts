// The compiled back end: generates JavaScript for a design once (see
// generate.ts), builds it with `new Function`, and keeps the state in typed
// arrays of 32-bit limbs (see limbs.ts).

import type { Memory } from '../../compiler/ir.ts';
import type { CompiledDesign } from '../compile.ts';
import type { PerCycleFunctions, SimEngine } from '../engine.ts';
import { generateSource, StateLayout } from './generate.ts';
import { joinLimbs, limbCount, LIMB_BITS, splitBits } from './limbs.ts';

interface EntryPoints {
  readonly settle: () => void;
  readonly edge: () => void;
  readonly prepare: readonly (() => void)[];
  readonly commit: readonly (() => void)[];
  readonly runSteps: (count: number) => void;
  readonly runUntil: (offset: number, bits: number, maxSteps: number) => number;
}

/** Functions the generated code calls as `H.name`. */
const HELPERS = {
  /** Parity of the 32 bits of an integer. */
  parity(value: number): number {
    let x = value;
    x ^= x >>> 16;
    x ^= x >>> 8;
    x ^= x >>> 4;
    x ^= x >>> 2;
    x ^= x >>> 1;
    return x & 1;
  },
  /** Joins limbs, least significant first, into a bigint. */
  join(...limbs: number[]): bigint {
    return joinLimbs(limbs, 0, limbs.length);
  },
  /** Limb `k` of a non-negative bigint. */
  limb(value: bigint, k: number): number {
    return Number(BigInt.asUintN(LIMB_BITS, value >> BigInt(LIMB_BITS * k)));
  },
};

/** The bigints 0 to 255, so reading a narrow signal allocates nothing. */
const SMALL_BIGINTS = Array.from({ length: 256 }, (_, n) => BigInt(n));

export class CompiledEngine implements SimEngine {
  /** The generated JavaScript, kept for inspection and profiling. */
  readonly source: string;

  private readonly layout: StateLayout;
  private readonly state: Uint32Array;
  private readonly memories = new Map<Memory, Uint32Array>();
  private readonly entry: EntryPoints;
  private readonly values: bigint[];
  private readonly widths: number[];

  constructor(readonly design: CompiledDesign) {
    this.layout = new StateLayout(design);
    this.state = new Uint32Array(this.layout.size);
    this.widths = design.netlist.signals.map((signal) => signal.type.width);
    this.values = design.values.slice();
    design.values.forEach((bits, slot) => this.writeBits(slot, bits));

    const words: Uint32Array[] = [];
    for (const memory of design.netlist.memories) {
      const count = limbCount(memory.type.width);
      const array = new Uint32Array(memory.depth * count);
      design.wordsOf(memory).forEach((word, index) => array.set(splitBits(word, memory.type.width), index * count));
      this.memories.set(memory, array);
      words.push(array);
    }

    const generated = generateSource(design, this.layout);
    this.source = generated.source;
    const build = new Function('st', 'mems', 'nx', 'H', 'K', generated.source) as (
      st: Uint32Array, mems: Uint32Array[], nx: Float64Array, helpers: typeof HELPERS, constants: readonly unknown[],
    ) => EntryPoints;
    this.entry = build(this.state, words, new Float64Array(generated.scratchSize), HELPERS, generated.constants);
  }

  settle(): void {
    this.entry.settle();
  }

  primaryEdge(): void {
    this.entry.edge();
  }

  perCycleFunctions(): PerCycleFunctions {
    const { settle, edge, runSteps, runUntil } = this.entry;
    const offsets = this.layout.offsets;
    return {
      settle,
      primaryEdge: edge,
      runSteps,
      runUntil: (slot, bits, maxSteps) => runUntil(offsets[slot], bits, maxSteps),
    };
  }

  derivedEdges(indices: readonly number[]): void {
    for (const index of indices) {
      this.entry.prepare[index]();
    }
    for (const index of indices) {
      this.entry.commit[index]();
    }
  }

  readBits(slot: number): bigint {
    const offset = this.layout.offsets[slot];
    const width = this.widths[slot];
    if (width > LIMB_BITS) {
      return joinLimbs(this.state, offset, limbCount(width));
    }
    const value = this.state[offset];
    return value < 256 ? SMALL_BIGINTS[value] : BigInt(value);
  }

  writeBits(slot: number, bits: bigint): void {
    const offset = this.layout.offsets[slot];
    const width = this.widths[slot];
    if (width <= LIMB_BITS) {
      this.state[offset] = Number(bits);
      return;
    }
    let rest = bits;
    for (let k = 0; k < limbCount(width); k++) {
      this.state[offset + k] = Number(BigInt.asUintN(LIMB_BITS, rest));
      rest >>= 32n;
    }
  }

  readWord(memory: Memory, index: number): bigint {
    const count = limbCount(memory.type.width);
    return joinLimbs(this.wordsOf(memory), index * count, count);
  }

  writeWord(memory: Memory, index: number, bits: bigint): void {
    const count = limbCount(memory.type.width);
    this.wordsOf(memory).set(splitBits(bits, memory.type.width), index * count);
  }

  snapshot(): readonly bigint[] {
    for (let slot = 0; slot < this.values.length; slot++) {
      this.values[slot] = this.readBits(slot);
    }
    return this.values;
  }

  private wordsOf(memory: Memory): Uint32Array {
    return this.memories.get(memory)!;
  }
}
