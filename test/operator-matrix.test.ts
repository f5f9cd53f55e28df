// The operator matrix: every DSL operator, signed and unsigned, at each width
// below, driven with the edge values of its type (every pair of them) and
// some random ones, with the TypeScript simulator and Icarus Verilog
// compared on every output of every cycle.

import { expect } from 'chai';
import { Module, SInt, UInt, cat, lit, maxValue, minValue, mux, type Value } from '../dsl/index.ts';
import type { ModuleIR, Type } from '../compiler/ir.ts';
import { crossCheck, formatMismatch } from '../sim/cross-check.ts';
import { RandomValues, type CycleInputs } from '../sim/stimulus.ts';
import { requireTool } from './tools.ts';

const widths = [1, 7, 8, 31, 32, 33, 53, 64, 65, 128];

function amountWidth(width: number): number {
  // Wide enough to shift by amounts at and above the width.
  return Math.ceil(Math.log2(width + 1)) + 1;
}

/** One module with every operator applied to inputs `a` and `b` of `type`. */
export function operatorMatrix(type: Type): ModuleIR {
  const w = type.width;
  const T = (width: number) => (type.signed ? SInt(width) : UInt(width));
  const m = new Module(`matrix_${type.signed ? 's' : 'u'}${w}`);
  const a = m.input('a', type);
  const b = m.input('b', type);
  const amount = m.input('amount', UInt(amountWidth(w)));
  const sel = m.input('sel', UInt(1));

  const out = (name: string, value: Value): void => {
    m.output(name, value.type).set(value);
  };

  out('add', a.add(b));
  out('add_wrap', a.addWrap(b));
  out('sub', a.sub(b));
  out('sub_wrap', a.subWrap(b));
  out('mul', a.mul(b));
  out('neg', a.neg());
  out('and', a.and(b));
  out('or', a.or(b));
  out('xor', a.xor(b));
  out('not', a.not());
  out('reductions', cat(a.andR(), a.orR(), a.xorR()));
  out('compares', cat(a.eq(b), a.ne(b), a.lt(b), a.le(b), a.gt(b), a.ge(b)));
  out('shl_1', a.shl(1));
  out('shl_w', a.shl(w));
  out('shr_1', a.shr(1));
  out('shr_w', a.shr(w));
  out('shr_w_plus_3', a.shr(w + 3));
  out('shl_dyn', a.shl(amount));
  out('shr_dyn', a.shr(amount));
  out('slice_top', a.slice(w - 1, Math.floor((w - 1) / 2)));
  out('bit_0', a.bit(0));
  out('cat', cat(a, b));
  out('mux', mux(sel, a, b));
  out('resize_up', a.resize(w + 5));
  out('resize_down', a.resize(Math.max(1, w - 1)));
  out('trunc_half', a.trunc(Math.max(1, Math.floor(w / 2))));
  out('as_signed', a.asSigned());
  out('as_unsigned', a.asUnsigned());
  out('plus_min', a.addWrap(lit(minValue(type), type)));
  out('plus_max', a.add(lit(maxValue(type), T(w))));
  return m.elaborate();
}

function edgeValues(type: Type): bigint[] {
  const min = minValue(type);
  const max = maxValue(type);
  const candidates = [min, max, 0n, 1n, -1n, min + 1n, max - 1n];
  return [...new Set(candidates.filter((v) => v >= min && v <= max))];
}

function matrixStimulus(type: Type, seed: number): CycleInputs[] {
  const edges = edgeValues(type);
  const random = new RandomValues(seed);
  const amountLimit = 2 ** amountWidth(type.width) - 1;
  const cycles: CycleInputs[] = [];
  let index = 0;
  const push = (a: bigint, b: bigint): void => {
    cycles.push({ a, b, amount: BigInt(index % (amountLimit + 1)), sel: BigInt(index % 2) });
    index++;
  };
  for (const a of edges) {
    for (const b of edges) {
      push(a, b);
    }
  }
  for (let i = 0; i < 40; i++) {
    push(random.value(type), random.value(type));
  }
  return cycles;
}

describe('operator matrix against Icarus', () => {
  for (const signed of [false, true]) {
    for (const width of widths) {
      const type: Type = { width, signed };
      it(`${signed ? 'SInt' : 'UInt'}(${width}): every operator agrees`, function () {
        requireTool(this, 'iverilog');
        const top = operatorMatrix(type);
        const cycles = matrixStimulus(type, width * 2 + (signed ? 1 : 0));
        const result = crossCheck(top, { cycles });
        expect(result.mismatch ? formatMismatch(result.mismatch) : 'agree').to.equal('agree');
        expect(result.cycles).to.equal(cycles.length);
        expect(result.outputs).to.equal(30);
      });
    }
  }
});
