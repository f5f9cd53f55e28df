// Values: the user-facing handle on an IR expression. Every method takes the
// caller's TypeScript location and applies the rule in dsl/operators.ts.
// A plain number or bigint operand becomes a constant of the smallest type
// with the other operand's signedness.

import { HdlError } from '../compiler/errors.ts';
import type { Expr, Type } from '../compiler/ir.ts';
import * as ops from './operators.ts';
import { callerLoc } from './source-location.ts';
import { constant, inferredConstant } from './types.ts';

export type ValueLike = Value | number | bigint | boolean;

export class Value {
  readonly expr: Expr;

  constructor(expr: Expr) {
    this.expr = expr;
  }

  get type(): Type {
    return this.expr.type;
  }

  get width(): number {
    return this.expr.type.width;
  }

  get signed(): boolean {
    return this.expr.type.signed;
  }

  add(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.addSub('add', this.expr, operand(other, this.expr, loc), false, loc));
  }

  addWrap(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.addSub('add', this.expr, operand(other, this.expr, loc), true, loc));
  }

  sub(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.addSub('sub', this.expr, operand(other, this.expr, loc), false, loc));
  }

  subWrap(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.addSub('sub', this.expr, operand(other, this.expr, loc), true, loc));
  }

  mul(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.mul(this.expr, operand(other, this.expr, loc), loc));
  }

  neg(): Value {
    return new Value(ops.neg(this.expr, callerLoc()));
  }

  and(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.bitwise('and', this.expr, operand(other, this.expr, loc), loc));
  }

  or(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.bitwise('or', this.expr, operand(other, this.expr, loc), loc));
  }

  xor(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.bitwise('xor', this.expr, operand(other, this.expr, loc), loc));
  }

  not(): Value {
    return new Value(ops.not(this.expr, callerLoc()));
  }

  andR(): Value {
    return new Value(ops.reduce('reduce_and', this.expr, callerLoc()));
  }

  orR(): Value {
    return new Value(ops.reduce('reduce_or', this.expr, callerLoc()));
  }

  xorR(): Value {
    return new Value(ops.reduce('reduce_xor', this.expr, callerLoc()));
  }

  eq(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.compare('eq', this.expr, operand(other, this.expr, loc), loc));
  }

  ne(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.compare('ne', this.expr, operand(other, this.expr, loc), loc));
  }

  lt(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.compare('lt', this.expr, operand(other, this.expr, loc), loc));
  }

  le(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.compare('le', this.expr, operand(other, this.expr, loc), loc));
  }

  gt(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.compare('gt', this.expr, operand(other, this.expr, loc), loc));
  }

  ge(other: ValueLike): Value {
    const loc = callerLoc();
    return new Value(ops.compare('ge', this.expr, operand(other, this.expr, loc), loc));
  }

  /** Shifts left by a constant (the result widens) or by a UInt signal (the width stays). */
  shl(amount: number | Value): Value {
    const loc = callerLoc();
    if (amount instanceof Value) {
      return new Value(ops.shiftBySignal('shl', this.expr, amount.expr, loc));
    }
    return new Value(ops.shiftLeftBy(this.expr, amount, loc));
  }

  /** Shifts right by a constant (the result narrows) or by a UInt signal; arithmetic for an SInt. */
  shr(amount: number | Value): Value {
    const loc = callerLoc();
    if (amount instanceof Value) {
      return new Value(ops.shiftBySignal('shr', this.expr, amount.expr, loc));
    }
    return new Value(ops.shiftRightBy(this.expr, amount, loc));
  }

  slice(hi: number, lo: number): Value {
    return new Value(ops.slice(this.expr, hi, lo, callerLoc()));
  }

  bit(index: number): Value {
    return new Value(ops.slice(this.expr, index, index, callerLoc()));
  }

  resize(width: number): Value {
    return new Value(ops.resize(this.expr, width, callerLoc()));
  }

  trunc(width: number): Value {
    return new Value(ops.trunc(this.expr, width, callerLoc()));
  }

  asSigned(): Value {
    return new Value(ops.cast(this.expr, true, callerLoc()));
  }

  asUnsigned(): Value {
    return new Value(ops.cast(this.expr, false, callerLoc()));
  }
}

/** Turns an operand into an expression; a number takes the signedness of `like`. */
export function operand(value: ValueLike, like: Expr, loc = callerLoc()): Expr {
  if (value instanceof Value) {
    return value.expr;
  }
  return inferredConstant(value, like.type.signed, loc);
}

/** A constant of an explicit type: `lit(-128, SInt(8))`. Without a type, the smallest that holds it. */
export function lit(value: number | bigint | boolean, type?: Type): Value {
  const loc = callerLoc();
  if (type) {
    return new Value(constant(value, type, loc));
  }
  const negative = typeof value !== 'boolean' && value < 0;
  return new Value(inferredConstant(value, negative, loc));
}

export function cat(...parts: Value[]): Value {
  const loc = callerLoc();
  for (const part of parts) {
    if (!(part instanceof Value)) {
      throw new HdlError('USAGE', 'cat() takes Values; give a constant a width with lit(value, UInt(w))', loc);
    }
  }
  return new Value(ops.concat(parts.map((p) => p.expr), loc));
}

export function mux(sel: Value, whenTrue: ValueLike, whenFalse: ValueLike): Value {
  const loc = callerLoc();
  if (!(whenTrue instanceof Value) && !(whenFalse instanceof Value)) {
    throw new HdlError('USAGE', 'mux() needs at least one Value arm to take a type from; wrap constants in lit()', loc);
  }
  const like = whenTrue instanceof Value ? whenTrue.expr : (whenFalse as Value).expr;
  return new Value(ops.mux(sel.expr, operand(whenTrue, like, loc), operand(whenFalse, like, loc), loc));
}
