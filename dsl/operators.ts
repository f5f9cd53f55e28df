// The result-type rule of every DSL operator, in one place. Each function
// checks its operands, then builds IR whose nodes carry explicit types (see
// the rules at the top of compiler/ir.ts). docs/semantics.md states the same
// rules for users.
//
//   operator              operands            result
//   add, sub              same signedness     max(wa, wb) + 1 bits, exact;
//                                             sub of two UInts gives an SInt
//   addWrap, subWrap      same signedness     max(wa, wb) bits, modulo 2^w
//   mul                   same signedness     wa + wb bits, exact
//   neg                   any                 SInt(w + 1), exact
//   and, or, xor          same signedness     max(wa, wb) bits
//   not                   any                 same type
//   andR, orR, xorR       any                 Bool
//   eq ne lt le gt ge     same signedness     Bool
//   shl by constant n     any                 w + n bits, same signedness
//   shr by constant n     any                 max(w - n, 1) bits, arithmetic for SInt
//   shl, shr by signal    amount is a UInt    same type; amount >= w gives 0
//                                             (or all sign bits for shr of an SInt)
//   slice(hi, lo), bit(i) any                 UInt(hi - lo + 1)
//   cat(a, b, ...)        any                 UInt(sum of widths); a is the MSB part
//   mux(sel, t, f)        sel Bool; t, f      max(wt, wf) bits
//                         same signedness
//   resize(w)             any                 w bits: extends by signedness or keeps the low bits
//   trunc(w)              w <= width          w bits, the low ones, same signedness
//   asSigned, asUnsigned  any                 same bits, other signedness
//
// Operands narrower than the result are extended by their own signedness
// before the operator sees them. There is no division.

import { HdlError } from '../compiler/errors.ts';
import { mask, typeName, type BinaryOp, type Expr, type SourceLoc, type Type } from '../compiler/ir.ts';
import { Bool, constant } from './types.ts';

function requireSameSign(what: string, a: Expr, b: Expr, loc?: SourceLoc): void {
  if (a.type.signed !== b.type.signed) {
    throw new HdlError(
      'SIGN',
      `cannot ${what} ${typeName(a.type)} and ${typeName(b.type)}: convert one operand with .asSigned() or .asUnsigned() first`,
      loc,
    );
  }
}

function requireBool(what: string, e: Expr, loc?: SourceLoc): void {
  if (e.type.width !== 1 || e.type.signed) {
    throw new HdlError('WIDTH', `${what} must be a Bool (UInt(1)), got ${typeName(e.type)}; compare it or use .orR()`, loc);
  }
}

function requireBitIndex(what: string, value: number, limit: number, loc?: SourceLoc): void {
  if (!Number.isInteger(value) || value < 0 || value >= limit) {
    throw new HdlError('WIDTH', `${what} ${value} is out of range 0..${limit - 1}`, loc);
  }
}

export function cast(e: Expr, signed: boolean, loc?: SourceLoc): Expr {
  if (e.type.signed === signed) {
    return e;
  }
  if (e.kind === 'const') {
    return { kind: 'const', type: { width: e.type.width, signed }, bits: e.bits, loc };
  }
  return { kind: 'cast', type: { width: e.type.width, signed }, arg: e, loc };
}

/** Widens `e` to `width` bits by its own signedness. */
export function extend(e: Expr, width: number, loc?: SourceLoc): Expr {
  if (width < e.type.width) {
    throw new HdlError('WIDTH', `cannot extend ${typeName(e.type)} to ${width} bits, which is narrower; use .trunc(${width})`, loc);
  }
  if (width === e.type.width) {
    return e;
  }
  if (e.kind === 'const') {
    // Folded here so that the emitted Verilog shows the constant itself.
    const signBit = (e.bits >> BigInt(e.type.width - 1)) & 1n;
    const fill = e.type.signed && signBit ? mask(width) ^ mask(e.type.width) : 0n;
    return { kind: 'const', type: { width, signed: e.type.signed }, bits: e.bits | fill, loc };
  }
  return { kind: 'extend', type: { width, signed: e.type.signed }, arg: e, loc };
}

export function slice(e: Expr, hi: number, lo: number, loc?: SourceLoc): Expr {
  requireBitIndex('slice upper bit', hi, e.type.width, loc);
  requireBitIndex('slice lower bit', lo, e.type.width, loc);
  if (lo > hi) {
    throw new HdlError('WIDTH', `slice(${hi}, ${lo}) has its lower bit above its upper bit; write slice(${lo}, ${hi})`, loc);
  }
  return { kind: 'slice', type: { width: hi - lo + 1, signed: false }, arg: e, lo, loc };
}

export function trunc(e: Expr, width: number, loc?: SourceLoc): Expr {
  if (!Number.isInteger(width) || width < 1 || width > e.type.width) {
    throw new HdlError('WIDTH', `cannot truncate ${typeName(e.type)} to ${width} bits; the width must be 1..${e.type.width} (use .resize() to widen)`, loc);
  }
  if (width === e.type.width) {
    return e;
  }
  return cast(slice(e, width - 1, 0, loc), e.type.signed, loc);
}

export function resize(e: Expr, width: number, loc?: SourceLoc): Expr {
  if (!Number.isInteger(width) || width < 1) {
    throw new HdlError('WIDTH', `cannot resize to ${width} bits; the width must be 1 or more`, loc);
  }
  return width >= e.type.width ? extend(e, width, loc) : trunc(e, width, loc);
}

function binary(op: BinaryOp, type: Type, left: Expr, right: Expr, loc?: SourceLoc): Expr {
  return { kind: 'binary', op, type, left, right, loc };
}

/** add and sub: exact results one bit wider than the wider operand, or wrapped to its width. */
export function addSub(op: 'add' | 'sub', a: Expr, b: Expr, wrap: boolean, loc?: SourceLoc): Expr {
  requireSameSign(op === 'add' ? 'add' : 'subtract', a, b, loc);
  const widest = Math.max(a.type.width, b.type.width);
  const width = wrap ? widest : widest + 1;
  // An exact difference of two UInts can be negative, so it is an SInt.
  const signed = a.type.signed || (op === 'sub' && !wrap);
  const type: Type = { width, signed };
  return binary(op, type, cast(extend(a, width, loc), signed, loc), cast(extend(b, width, loc), signed, loc), loc);
}

export function mul(a: Expr, b: Expr, loc?: SourceLoc): Expr {
  requireSameSign('multiply', a, b, loc);
  return binary('mul', { width: a.type.width + b.type.width, signed: a.type.signed }, a, b, loc);
}

export function neg(a: Expr, loc?: SourceLoc): Expr {
  const width = a.type.width + 1;
  const operand = cast(extend(a, width, loc), true, loc);
  return { kind: 'unary', op: 'neg', type: operand.type, arg: operand, loc };
}

export function bitwise(op: 'and' | 'or' | 'xor', a: Expr, b: Expr, loc?: SourceLoc): Expr {
  requireSameSign(op, a, b, loc);
  const width = Math.max(a.type.width, b.type.width);
  return binary(op, { width, signed: a.type.signed }, extend(a, width, loc), extend(b, width, loc), loc);
}

export function not(a: Expr, loc?: SourceLoc): Expr {
  return { kind: 'unary', op: 'not', type: a.type, arg: a, loc };
}

export function reduce(op: 'reduce_and' | 'reduce_or' | 'reduce_xor', a: Expr, loc?: SourceLoc): Expr {
  return { kind: 'unary', op, type: Bool, arg: a, loc };
}

export function compare(op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', a: Expr, b: Expr, loc?: SourceLoc): Expr {
  requireSameSign('compare', a, b, loc);
  const width = Math.max(a.type.width, b.type.width);
  return binary(op, Bool, extend(a, width, loc), extend(b, width, loc), loc);
}

export function shiftLeftBy(a: Expr, amount: number, loc?: SourceLoc): Expr {
  if (!Number.isInteger(amount) || amount < 0) {
    throw new HdlError('WIDTH', `shift amount must be a whole number 0 or more, got ${amount}`, loc);
  }
  if (amount === 0) {
    return a;
  }
  const zeros = constant(0, { width: amount, signed: false }, loc);
  return cast(concat([a, zeros], loc), a.type.signed, loc);
}

export function shiftRightBy(a: Expr, amount: number, loc?: SourceLoc): Expr {
  if (!Number.isInteger(amount) || amount < 0) {
    throw new HdlError('WIDTH', `shift amount must be a whole number 0 or more, got ${amount}`, loc);
  }
  if (amount === 0) {
    return a;
  }
  const top = a.type.width - 1;
  if (amount > top) {
    // Everything is shifted out: 0 for a UInt, the sign bit for an SInt.
    return a.type.signed ? cast(slice(a, top, top, loc), true, loc) : constant(0, Bool, loc);
  }
  return cast(slice(a, top, amount, loc), a.type.signed, loc);
}

export function shiftBySignal(op: 'shl' | 'shr', a: Expr, amount: Expr, loc?: SourceLoc): Expr {
  if (amount.type.signed) {
    throw new HdlError('SIGN', `shift amount must be a UInt, got ${typeName(amount.type)}; convert it with .asUnsigned()`, loc);
  }
  return binary(op, a.type, a, amount, loc);
}

export function concat(parts: readonly Expr[], loc?: SourceLoc): Expr {
  if (parts.length === 0) {
    throw new HdlError('USAGE', 'cat() needs at least one part', loc);
  }
  const width = parts.reduce((sum, p) => sum + p.type.width, 0);
  return { kind: 'concat', type: { width, signed: false }, parts, loc };
}

export function mux(sel: Expr, whenTrue: Expr, whenFalse: Expr, loc?: SourceLoc): Expr {
  requireBool('mux select', sel, loc);
  requireSameSign('mux between', whenTrue, whenFalse, loc);
  const width = Math.max(whenTrue.type.width, whenFalse.type.width);
  return {
    kind: 'mux',
    type: { width, signed: whenTrue.type.signed },
    sel,
    whenTrue: extend(whenTrue, width, loc),
    whenFalse: extend(whenFalse, width, loc),
    loc,
  };
}

/**
 * Fits `value` to a target of type `target` for an assignment: a narrower value
 * of the same signedness is extended; anything else is an error.
 */
export function fitForAssign(value: Expr, target: Type, targetName: string, loc?: SourceLoc): Expr {
  if (value.type.signed !== target.signed) {
    throw new HdlError(
      'SIGN',
      `cannot assign ${typeName(value.type)} to ${typeName(target)} '${targetName}': convert with .asSigned() or .asUnsigned()`,
      loc,
    );
  }
  if (value.type.width > target.width) {
    throw new HdlError(
      'WIDTH',
      `cannot assign ${typeName(value.type)} to ${typeName(target)} '${targetName}' without truncation; use .trunc(${target.width}) or .resize(${target.width})`,
      loc,
    );
  }
  return extend(value, target.width, loc);
}
