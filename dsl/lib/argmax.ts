// Argmax: the index and value of the largest of N inputs, ties going to the
// lowest index. A balanced tree of two-input stages; each stage keeps its
// left (lower-index) input unless the right one is strictly greater.

import type { Type } from '../../compiler/ir.ts';
import { Module } from '../module.ts';
import { SInt, UInt } from '../types.ts';
import { lit, mux, type Value } from '../value.ts';

export function indexWidth(count: number): number {
  return Math.max(1, Math.ceil(Math.log2(count)));
}

interface Candidate {
  readonly index: Value;
  readonly value: Value;
}

/** Ports: inputs `v0..v{N-1}`; outputs `index` (UInt(ceil(log2 N))) and `value`. Combinational. */
export function argmaxTree(count: number, width: number, signed: boolean): Module {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`argmax needs a whole number of inputs, 1 or more, got ${count}`);
  }
  const type: Type = signed ? SInt(width) : UInt(width);
  const iw = indexWidth(count);
  const m = new Module(`argmax_${count}_${signed ? 's' : 'u'}${width}`, { count, width, signed });

  let level: Candidate[] = [];
  for (let i = 0; i < count; i++) {
    level.push({ index: lit(i, UInt(iw)), value: m.input(`v${i}`, type) });
  }
  while (level.length > 1) {
    const next: Candidate[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      const left = level[i];
      const right = level[i + 1];
      const takeRight = right.value.gt(left.value);
      next.push({ index: mux(takeRight, right.index, left.index), value: mux(takeRight, right.value, left.value) });
    }
    if (level.length % 2 === 1) {
      next.push(level[level.length - 1]);
    }
    level = next;
  }
  m.output('index', UInt(iw)).set(level[0].index);
  m.output('value', type).set(level[0].value);
  return m;
}
