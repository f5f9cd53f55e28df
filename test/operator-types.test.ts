// The result type of every operator, as docs/semantics.md states it.

import { expect } from 'chai';
import { typeName } from '../compiler/ir.ts';
import { Module, SInt, UInt, cat, mux, type Value } from '../dsl/index.ts';

function typeNameOf(value: Value): string {
  return typeName(value.type);
}

const m = new Module('types');
const u8 = m.input('u8', UInt(8));
const u5 = m.input('u5', UInt(5));
const s8 = m.input('s8', SInt(8));
const s5 = m.input('s5', SInt(5));
const amount = m.input('amount', UInt(3));
const bool = m.input('flag', UInt(1));

const cases: [string, () => Value, string][] = [
  ['u8 + u5', () => u8.add(u5), 'UInt(9)'],
  ['s8 + s5', () => s8.add(s5), 'SInt(9)'],
  ['u8 +% u5', () => u8.addWrap(u5), 'UInt(8)'],
  ['u8 - u5', () => u8.sub(u5), 'SInt(9)'],
  ['s8 - s5', () => s8.sub(s5), 'SInt(9)'],
  ['u8 -% u5', () => u8.subWrap(u5), 'UInt(8)'],
  ['u8 * u5', () => u8.mul(u5), 'UInt(13)'],
  ['s8 * s5', () => s8.mul(s5), 'SInt(13)'],
  ['-u8', () => u8.neg(), 'SInt(9)'],
  ['-s8', () => s8.neg(), 'SInt(9)'],
  ['u8 & u5', () => u8.and(u5), 'UInt(8)'],
  ['s8 ^ s5', () => s8.xor(s5), 'SInt(8)'],
  ['~s5', () => s5.not(), 'SInt(5)'],
  ['&u8', () => u8.andR(), 'UInt(1)'],
  ['s8 < s5', () => s8.lt(s5), 'UInt(1)'],
  ['u8 << 3', () => u8.shl(3), 'UInt(11)'],
  ['s8 << 3', () => s8.shl(3), 'SInt(11)'],
  ['u8 >> 3', () => u8.shr(3), 'UInt(5)'],
  ['s8 >> 3', () => s8.shr(3), 'SInt(5)'],
  ['u8 >> 8', () => u8.shr(8), 'UInt(1)'],
  ['s8 >> 20', () => s8.shr(20), 'SInt(1)'],
  ['u8 << amount', () => u8.shl(amount), 'UInt(8)'],
  ['s8 >> amount', () => s8.shr(amount), 'SInt(8)'],
  ['s8[6:2]', () => s8.slice(6, 2), 'UInt(5)'],
  ['s8[7]', () => s8.bit(7), 'UInt(1)'],
  ['{s8, u5}', () => cat(s8, u5), 'UInt(13)'],
  ['flag ? s8 : s5', () => mux(bool, s8, s5), 'SInt(8)'],
  ['s5 resize 9', () => s5.resize(9), 'SInt(9)'],
  ['s8 resize 3', () => s8.resize(3), 'SInt(3)'],
  ['u8 trunc 2', () => u8.trunc(2), 'UInt(2)'],
  ['u8 as signed', () => u8.asSigned(), 'SInt(8)'],
  ['s8 as unsigned', () => s8.asUnsigned(), 'UInt(8)'],
  ['u8 + 1', () => u8.add(1), 'UInt(9)'],
  ['s8 + 300', () => s8.add(300), 'SInt(11)'],
];

describe('operator result types', () => {
  for (const [name, make, expected] of cases) {
    it(name, () => {
      expect(typeNameOf(make())).to.equal(expected);
    });
  }

  it('rejects a shift by a signed amount', () => {
    expect(() => u8.shl(s5)).to.throw(/shift amount must be a UInt, got SInt\(5\)/);
  });

  it('rejects a negative literal with a UInt', () => {
    expect(() => u8.add(-1)).to.throw(/negative literal -1 used with an unsigned operand/);
  });

  it('rejects truncation that widens', () => {
    expect(() => u5.trunc(6)).to.throw(/cannot truncate UInt\(5\) to 6 bits/);
  });

  it('rejects a wide mux select', () => {
    expect(() => mux(u5, u8, u8)).to.throw(/mux select must be a Bool/);
  });
});
