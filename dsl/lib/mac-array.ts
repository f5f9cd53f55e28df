// A MAC array: LANES signed multiplies per cycle, summed into one
// accumulator that cannot overflow.
//
// Each product of an SInt(aw) and an SInt(bw) lies in
// [-2^(aw-1) * (2^(bw-1) - 1), 2^(aw-1) * 2^(bw-1)] (with aw <= bw; the
// bound is symmetric in the operands). A sum of `terms` such products lies
// within `terms` times that range, so the accumulator is the smallest SInt
// holding both ends: `macAccumulatorWidth`.

import { bitsNeeded, Bool, SInt } from '../types.ts';
import { Module } from '../module.ts';
import type { Value } from '../value.ts';

/** The smallest signed width that holds any sum of `terms` products of an SInt(aWidth) and an SInt(bWidth). */
export function macAccumulatorWidth(aWidth: number, bWidth: number, terms: number): number {
  if (!Number.isInteger(terms) || terms < 1) {
    throw new RangeError(`terms must be a whole number 1 or more, got ${terms}`);
  }
  const aMin = -(1n << BigInt(aWidth - 1));
  const bMin = -(1n << BigInt(bWidth - 1));
  const aMax = -aMin - 1n;
  const bMax = -bMin - 1n;
  const products = [aMin * bMin, aMin * bMax, aMax * bMin, aMax * bMax];
  const largest = products.reduce((x, y) => (y > x ? y : x));
  const smallest = products.reduce((x, y) => (y < x ? y : x));
  const count = BigInt(terms);
  return Math.max(bitsNeeded(largest * count, true), bitsNeeded(smallest * count, true));
}

/** Adds values pairwise in a balanced tree; each add widens by one bit. */
export function sumTree(values: readonly Value[]): Value {
  if (values.length === 0) {
    throw new RangeError('sumTree needs at least one value');
  }
  let level = values.slice();
  while (level.length > 1) {
    const next: Value[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      next.push(level[i].add(level[i + 1]));
    }
    if (level.length % 2 === 1) {
      next.push(level[level.length - 1]);
    }
    level = next;
  }
  return level[0];
}

export interface MacArrayParams {
  readonly lanes: number;
  readonly aWidth: number;
  readonly bWidth: number;
  /** How many products the accumulator must hold without overflow (lanes times beats). */
  readonly terms: number;
}

/**
 * Ports: inputs `a0..a{L-1}`, `b0..b{L-1}`, `enable`, `clear`; output `acc`.
 * On a clock edge with `enable`, acc takes (clear ? 0 : acc) + sum of a_i * b_i.
 * With `clear` and no `enable`, acc takes 0.
 */
export function macArray({ lanes, aWidth, bWidth, terms }: MacArrayParams): Module {
  if (!Number.isInteger(lanes) || lanes < 1) {
    throw new RangeError(`lanes must be a whole number 1 or more, got ${lanes}`);
  }
  if (terms < lanes) {
    throw new RangeError(`terms (${terms}) must be at least lanes (${lanes})`);
  }
  const accWidth = macAccumulatorWidth(aWidth, bWidth, terms);
  const m = new Module(`mac_array_l${lanes}_a${aWidth}_b${bWidth}_acc${accWidth}`, { lanes, aWidth, bWidth, terms });
  const products: Value[] = [];
  for (let i = 0; i < lanes; i++) {
    const a = m.input(`a${i}`, SInt(aWidth));
    const b = m.input(`b${i}`, SInt(bWidth));
    products.push(a.mul(b));
  }
  const enable = m.input('enable', Bool);
  const clear = m.input('clear', Bool);
  const accOut = m.output('acc', SInt(accWidth));

  const acc = m.reg('accumulator', SInt(accWidth));
  const sum = sumTree(products);
  const base = m.wire('base', SInt(accWidth));
  base.set(acc);
  m.when(clear, () => base.set(0));
  m.when(enable, () => {
    // The bound above makes this truncation lossless.
    acc.set(base.add(sum).trunc(accWidth));
  }).elseWhen(clear, () => acc.set(0));
  accOut.set(acc);
  return m;
}
