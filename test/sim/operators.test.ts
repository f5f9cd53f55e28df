// Operator semantics at the widths where JavaScript numbers and 32-bit
// bitwise operators go wrong. Expected values are worked out by hand from the
// rules in compiler/ir.ts, written in closed form per width (maxU = 2^W - 1,
// maxS = 2^(W-1) - 1, minS = -2^(W-1)), and compared as integers of the
// result type.

import { expect } from 'chai';
import { toBits, toInteger } from '../../compiler/ir.ts';
import type { Expr, Type } from '../../compiler/ir.ts';
import { evaluateExpr } from '../../sim/evaluate.ts';
import { HdlError } from '../../compiler/errors.ts';
import { binary, cast, concat, constant, extend, memory, memread, mux, s, slice, u, unary } from './ir-builders.ts';

const WIDTHS = [1, 31, 32, 33, 53, 64, 65, 128];

function c(value: bigint, type: Type): Expr {
  return constant(value, type);
}

/** Evaluates `expr` and reads the result as an integer of its type. */
function run(expr: Expr): bigint {
  const bits = evaluateExpr(expr, () => {
    throw new Error('no signals in operator tests');
  });
  expect(bits >= 0n, `bit pattern ${bits} is not negative`).to.equal(true);
  expect(bits < 1n << BigInt(expr.type.width), `bit pattern ${bits} fits ${expr.type.width} bits`).to.equal(true);
  return toInteger(bits, expr.type);
}

interface Case {
  readonly name: string;
  readonly expr: Expr;
  readonly expected: bigint;
}

function casesFor(W: number): Case[] {
  const w = BigInt(W);
  const maxU = (1n << w) - 1n;
  const maxS = (1n << (w - 1n)) - 1n;
  const minS = -(1n << (w - 1n));
  const U = u(W);
  const S = s(W);
  const amount = u(8);

  const cases: Case[] = [
    // add, sub, neg, not wrap modulo 2^W.
    { name: 'add U maxU + 1 wraps to 0', expr: binary('add', c(maxU, U), c(1n, U)), expected: 0n },
    { name: 'add U maxU + maxU', expr: binary('add', c(maxU, U), c(maxU, U)), expected: maxU - 1n },
    { name: 'add S maxS + 1 wraps to minS', expr: binary('add', c(maxS, S), c(1n, S)), expected: minS },
    { name: 'sub U 0 - 1 wraps to maxU', expr: binary('sub', c(0n, U), c(1n, U)), expected: maxU },
    { name: 'sub S minS - 1 wraps to maxS', expr: binary('sub', c(minS, S), c(1n, S)), expected: maxS },
    { name: 'neg S minS stays minS', expr: unary('neg', c(minS, S)), expected: minS },
    { name: 'neg U 1 is maxU', expr: unary('neg', c(1n, U)), expected: maxU },
    { name: 'not U 0 is maxU', expr: unary('not', c(0n, U)), expected: maxU },
    { name: 'not S 0 is -1', expr: unary('not', c(0n, S)), expected: -1n },
    { name: 'and U maxU & 1', expr: binary('and', c(maxU, U), c(1n, U)), expected: 1n },
    { name: 'or S minS | 1', expr: binary('or', c(minS, S), c(1n, S)), expected: W === 1 ? -1n : minS + 1n },
    { name: 'xor S -1 ^ maxS is minS', expr: binary('xor', c(-1n, S), c(maxS, S)), expected: minS },

    // mul is exact at width 2W.
    { name: 'mul U maxU * maxU', expr: binary('mul', c(maxU, U), c(maxU, U)), expected: maxU * maxU },
    { name: 'mul S minS * minS', expr: binary('mul', c(minS, S), c(minS, S)), expected: 1n << (2n * w - 2n) },
    { name: 'mul S minS * maxS', expr: binary('mul', c(minS, S), c(maxS, S)), expected: minS * maxS },
    { name: 'mul S -1 * -1', expr: binary('mul', c(-1n, S), c(-1n, S)), expected: 1n },
    { name: 'mul U maxU * U(1) 1', expr: binary('mul', c(maxU, U), c(1n, u(1))), expected: maxU },
    { name: 'mul S minS * S(2) -1', expr: binary('mul', c(minS, S), c(-1n, s(2))), expected: -minS },

    // Comparisons read signed operands as two's complement.
    { name: 'eq U maxU == maxU', expr: binary('eq', c(maxU, U), c(maxU, U)), expected: 1n },
    { name: 'ne S -1 != 0', expr: binary('ne', c(-1n, S), c(0n, S)), expected: 1n },
    { name: 'lt U maxU < 0', expr: binary('lt', c(maxU, U), c(0n, U)), expected: 0n },
    { name: 'gt U maxU > 0', expr: binary('gt', c(maxU, U), c(0n, U)), expected: 1n },
    { name: 'lt S minS < 0', expr: binary('lt', c(minS, S), c(0n, S)), expected: 1n },
    { name: 'le S -1 <= minS', expr: binary('le', c(-1n, S), c(minS, S)), expected: W === 1 ? 1n : 0n },
    { name: 'ge S minS >= maxS', expr: binary('ge', c(minS, S), c(maxS, S)), expected: 0n },
    { name: 'gt S maxS > minS', expr: binary('gt', c(maxS, S), c(minS, S)), expected: 1n },

    // Shifts: amounts at and above the width.
    { name: 'shl U 1 << W-1', expr: binary('shl', c(1n, U), c(w - 1n, amount)), expected: 1n << (w - 1n) },
    { name: 'shl U 1 << W is 0', expr: binary('shl', c(1n, U), c(w, amount)), expected: 0n },
    { name: 'shl U maxU << 1', expr: binary('shl', c(maxU, U), c(1n, amount)), expected: maxU - 1n },
    { name: 'shl S 1 << W-1 is minS', expr: binary('shl', c(1n, S), c(w - 1n, amount)), expected: minS },
    { name: 'shl U by 2^70 is 0', expr: binary('shl', c(maxU, U), c(1n << 70n, u(80))), expected: 0n },
    { name: 'shr U maxU >> W-1 is 1', expr: binary('shr', c(maxU, U), c(w - 1n, amount)), expected: 1n },
    { name: 'shr U maxU >> W is 0', expr: binary('shr', c(maxU, U), c(w, amount)), expected: 0n },
    { name: 'shr S minS >> 1', expr: binary('shr', c(minS, S), c(1n, amount)), expected: W === 1 ? -1n : minS / 2n },
    { name: 'shr S minS >> W-1 is -1', expr: binary('shr', c(minS, S), c(w - 1n, amount)), expected: -1n },
    { name: 'shr S minS >> W is -1', expr: binary('shr', c(minS, S), c(w, amount)), expected: -1n },
    { name: 'shr S minS >> 255 is -1', expr: binary('shr', c(minS, S), c(255n, amount)), expected: -1n },
    { name: 'shr S maxS >> W is 0', expr: binary('shr', c(maxS, S), c(w, amount)), expected: 0n },
    { name: 'shr S -1 by 1-bit amount 1', expr: binary('shr', c(-1n, S), c(1n, u(1))), expected: -1n },

    // Width changes.
    { name: 'extend S -1 to W+7', expr: extend(c(-1n, S), W + 7), expected: -1n },
    { name: 'extend S minS to W+64', expr: extend(c(minS, S), W + 64), expected: minS },
    { name: 'extend U maxU to W+7', expr: extend(c(maxU, U), W + 7), expected: maxU },
    { name: 'extend S maxS to W+1', expr: extend(c(maxS, S), W + 1), expected: maxS },
    { name: 'slice S -1 sign bit', expr: slice(c(-1n, S), W - 1, 1), expected: 1n },
    { name: 'slice S -1 whole is maxU', expr: slice(c(-1n, S), 0, W), expected: maxU },
    { name: 'slice S minS top bit', expr: slice(c(minS, S), W - 1, 1), expected: 1n },
    { name: 'concat S -1 with U(1) 0', expr: concat(c(-1n, S), c(0n, u(1))), expected: (1n << (w + 1n)) - 2n },
    { name: 'concat U(1) 1 with U 0', expr: concat(c(1n, u(1)), c(0n, U)), expected: 1n << w },
    { name: 'cast S -1 to U is maxU', expr: cast(c(-1n, S)), expected: maxU },
    { name: 'cast U 2^(W-1) to S is minS', expr: cast(c(1n << (w - 1n), U)), expected: minS },

    // Reductions.
    { name: 'reduce_and U maxU', expr: unary('reduce_and', c(maxU, U)), expected: 1n },
    { name: 'reduce_and S minS', expr: unary('reduce_and', c(minS, S)), expected: W === 1 ? 1n : 0n },
    { name: 'reduce_or U 0', expr: unary('reduce_or', c(0n, U)), expected: 0n },
    { name: 'reduce_or S minS', expr: unary('reduce_or', c(minS, S)), expected: 1n },
    { name: 'reduce_xor U maxU is W mod 2', expr: unary('reduce_xor', c(maxU, U)), expected: w % 2n },
    { name: 'reduce_xor S minS', expr: unary('reduce_xor', c(minS, S)), expected: 1n },

    // mux.
    { name: 'mux 1 picks true arm', expr: mux(c(1n, u(1)), c(minS, S), c(maxS, S)), expected: minS },
    { name: 'mux 0 picks false arm', expr: mux(c(0n, u(1)), c(minS, S), c(maxS, S)), expected: maxS },
  ];
  return cases;
}

describe('sim operators', () => {
  for (const W of WIDTHS) {
    describe(`width ${W}`, () => {
      for (const { name, expr, expected } of casesFor(W)) {
        it(name, () => {
          expect(run(expr)).to.equal(expected);
        });
      }
    });
  }

  describe('fixed values', () => {
    // Spot checks with literal numbers, independent of the closed forms above.
    const table: Case[] = [
      { name: 'add U32 0xffffffff + 1', expr: binary('add', c(0xffffffffn, u(32)), c(1n, u(32))), expected: 0n },
      { name: 'mul U32 0xffffffff squared', expr: binary('mul', c(0xffffffffn, u(32)), c(0xffffffffn, u(32))), expected: 0xfffffffe00000001n },
      { name: 'mul S8 -128 * 127', expr: binary('mul', c(-128n, s(8)), c(127n, s(8))), expected: -16256n },
      { name: 'shl U53 1 << 52', expr: binary('shl', c(1n, u(53)), c(52n, u(6))), expected: 4503599627370496n },
      { name: 'add U53 2^53-1 + 1 wraps', expr: binary('add', c(9007199254740991n, u(53)), c(1n, u(53))), expected: 0n },
      { name: 'sub S33 -4294967296 - 1', expr: binary('sub', c(-4294967296n, s(33)), c(1n, s(33))), expected: 4294967295n },
      { name: 'shr S65 -2 >> 1', expr: binary('shr', c(-2n, s(65)), c(1n, u(7))), expected: -1n },
      { name: 'lt S128 -1 < 1', expr: binary('lt', c(-1n, s(128)), c(1n, s(128))), expected: 1n },
      { name: 'not U31 0x40000000', expr: unary('not', c(0x40000000n, u(31))), expected: 0x3fffffffn },
      { name: 'reduce_xor U65 2^64 + 1', expr: unary('reduce_xor', c((1n << 64n) + 1n, u(65))), expected: 0n },
      { name: 'slice U64 bits 47:16', expr: slice(c(0x0123456789abcdefn, u(64)), 16, 32), expected: 0x456789abn },
      { name: 'concat U4 0xa, S4 -1, U8 0x5a', expr: concat(c(0xan, u(4)), c(-1n, s(4)), c(0x5an, u(8))), expected: 0xaf5an },
    ];
    for (const { name, expr, expected } of table) {
      it(name, () => {
        expect(run(expr)).to.equal(expected);
      });
    }
  });

  describe('memread', () => {
    const rom = memory('rom', s(65), 3, [toBits(-1n, 65), 7n]);
    const read = (addr: bigint) =>
      toInteger(evaluateExpr(memread(rom, c(addr, u(2))), () => 0n, () => [toBits(-1n, 65), 7n, 0n]), rom.type);

    it('reads a signed word', () => {
      expect(read(0n)).to.equal(-1n);
    });
    it('reads the zero-padded word', () => {
      expect(read(2n)).to.equal(0n);
    });
    it('reads 0 out of range', () => {
      expect(read(3n)).to.equal(0n);
    });
  });

  describe('malformed IR', () => {
    // The full rule set is tested with compiler/checks/ir-rules.ts; these only
    // show that evaluation runs the check before trusting the types.
    it('rejects add of mixed types', () => {
      const expr: Expr = { kind: 'binary', op: 'add', left: c(1n, u(8)), right: c(1n, u(9)), type: u(8) };
      expect(() => run(expr)).to.throw(HdlError, /right operand is UInt\(9\), expected UInt\(8\)/);
    });
    it('rejects a constant out of range', () => {
      const expr: Expr = { kind: 'const', bits: 256n, type: u(8) };
      expect(() => run(expr)).to.throw(HdlError, /bit pattern 256 out of range/);
    });
  });
});
