// A magnitude comparator: lt, eq and gt of two operands of one type.

import type { Type } from '../../compiler/ir.ts';
import { Module } from '../module.ts';
import { Bool, SInt, UInt } from '../types.ts';

export function comparator(width: number, signed: boolean): Module {
  const type: Type = signed ? SInt(width) : UInt(width);
  const m = new Module(`compare_${signed ? 's' : 'u'}${width}`, { width, signed });
  const a = m.input('a', type);
  const b = m.input('b', type);
  m.output('lt', Bool).set(a.lt(b));
  m.output('eq', Bool).set(a.eq(b));
  m.output('gt', Bool).set(a.gt(b));
  return m;
}
