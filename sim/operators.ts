// Operator semantics on bit patterns, the single place the simulator defines
// what each IR operator computes.
//
// Every value is an unsigned bigint bit pattern in [0, 2^width). A signed
// operand is read as two's complement only where the operator's meaning
// depends on it: mul, lt/le/gt/ge, shr and extend. Results are again bit
// patterns of the result width. These functions trust that the operands
// already have the types that the IR rules in compiler/ir.ts require, which
// compiler/checks/ir-rules.ts checks before any expression is compiled.

import { mask, toBits, toInteger } from '../compiler/ir.ts';
import type { BinaryOp, Type, UnaryOp } from '../compiler/ir.ts';

/** Computes a unary operator; `type` is the operand's type. */
export function applyUnary(op: UnaryOp, type: Type, a: bigint): bigint {
  switch (op) {
    case 'not':
      return a ^ mask(type.width);
    case 'neg':
      return toBits(-a, type.width);
    case 'reduce_and':
      return a === mask(type.width) ? 1n : 0n;
    case 'reduce_or':
      return a !== 0n ? 1n : 0n;
    case 'reduce_xor':
      return parity(a);
  }
}

/**
 * Computes a binary operator from its operand types and its result type.
 * Only mul, shifts and comparisons have operand types that differ from the
 * result type.
 */
export function applyBinary(op: BinaryOp, left: Type, right: Type, result: Type, a: bigint, b: bigint): bigint {
  const width = left.width;
  switch (op) {
    case 'add':
      return toBits(a + b, width);
    case 'sub':
      return toBits(a - b, width);
    case 'mul':
      // The product of a wl-bit and a wr-bit number always fits wl + wr bits,
      // signed or unsigned, so wrapping to the result width loses nothing.
      return toBits(toInteger(a, left) * toInteger(b, right), result.width);
    case 'and':
      return a & b;
    case 'or':
      return a | b;
    case 'xor':
      return a ^ b;
    case 'eq':
      return a === b ? 1n : 0n;
    case 'ne':
      return a !== b ? 1n : 0n;
    case 'lt':
      return toInteger(a, left) < toInteger(b, left) ? 1n : 0n;
    case 'le':
      return toInteger(a, left) <= toInteger(b, left) ? 1n : 0n;
    case 'gt':
      return toInteger(a, left) > toInteger(b, left) ? 1n : 0n;
    case 'ge':
      return toInteger(a, left) >= toInteger(b, left) ? 1n : 0n;
    case 'shl':
      return shiftLeft(a, b, width);
    case 'shr':
      return shiftRight(a, b, left);
  }
}

/** Sign- or zero-extends `a` from the operand type to `width` bits. */
export function extendBits(a: bigint, operand: Type, width: number): bigint {
  return toBits(toInteger(a, operand), width);
}

/** Returns bits [lo + width - 1 : lo] of `a`. */
export function sliceBits(a: bigint, lo: number, width: number): bigint {
  return (a >> BigInt(lo)) & mask(width);
}

/** Joins parts with the first part as the most significant one. */
export function concatBits(parts: readonly bigint[], widths: readonly number[]): bigint {
  let result = 0n;
  for (let i = 0; i < parts.length; i++) {
    result = (result << BigInt(widths[i])) | parts[i];
  }
  return result;
}

function shiftLeft(a: bigint, amount: bigint, width: number): bigint {
  if (amount >= BigInt(width)) {
    return 0n;
  }
  return toBits(a << amount, width);
}

function shiftRight(a: bigint, amount: bigint, type: Type): bigint {
  const width = BigInt(type.width);

  // An amount at or above the width leaves only copies of the sign bit (or
  // zeros), which shifting by width - 1 already gives for signed values.
  if (type.signed) {
    const clamped = amount >= width ? width - 1n : amount;
    return toBits(toInteger(a, type) >> clamped, type.width);
  }
  return amount >= width ? 0n : a >> amount;
}

function parity(a: bigint): bigint {
  let bits = a;
  let result = 0n;
  while (bits !== 0n) {
    // Clearing the lowest set bit once per set bit needs no width.
    bits &= bits - 1n;
    result ^= 1n;
  }
  return result;
}
