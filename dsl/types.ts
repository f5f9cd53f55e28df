// Bit-vector types and literals. A literal is checked against its type where
// it is made, and stored as its two's-complement bit pattern.

import { HdlError } from '../compiler/errors.ts';
import { toBits, typeName, type ConstExpr, type SourceLoc, type Type } from '../compiler/ir.ts';
import { callerLoc } from './source-location.ts';

function checkWidth(width: number, what: string): void {
  if (!Number.isInteger(width) || width < 1) {
    throw new HdlError('USAGE', `${what} width must be a whole number of bits, 1 or more; got ${width}`, callerLoc());
  }
}

export function UInt(width: number): Type {
  checkWidth(width, 'UInt');
  return Object.freeze({ width, signed: false });
}

export function SInt(width: number): Type {
  checkWidth(width, 'SInt');
  return Object.freeze({ width, signed: true });
}

export const Bool: Type = UInt(1);

export function minValue(type: Type): bigint {
  return type.signed ? -(1n << BigInt(type.width - 1)) : 0n;
}

export function maxValue(type: Type): bigint {
  return type.signed ? (1n << BigInt(type.width - 1)) - 1n : (1n << BigInt(type.width)) - 1n;
}

/** Returns the fewest bits that hold `value` with the given signedness. */
export function bitsNeeded(value: bigint, signed: boolean): number {
  if (!signed) {
    if (value < 0n) {
      throw new HdlError('LITERAL', `negative value ${value} has no unsigned width`);
    }
    return Math.max(1, value.toString(2).length);
  }
  const magnitude = value < 0n ? -value - 1n : value;
  return (magnitude === 0n ? 0 : magnitude.toString(2).length) + 1;
}

export function toBigInt(value: number | bigint | boolean, loc?: SourceLoc): bigint {
  if (typeof value === 'boolean') {
    return value ? 1n : 0n;
  }
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new HdlError('LITERAL', `literal ${value} is not a safe integer; write it as a bigint (${Math.trunc(value)}n)`, loc);
  }
  return BigInt(value);
}

/** Checks that `value` fits `type` and returns it as a constant node. */
export function constant(value: number | bigint | boolean, type: Type, loc?: SourceLoc): ConstExpr {
  const integer = toBigInt(value, loc);
  if (integer < minValue(type) || integer > maxValue(type)) {
    const needed = integer < 0n && !type.signed
      ? 'an SInt type'
      : `${type.signed ? 'SInt' : 'UInt'}(${bitsNeeded(integer, type.signed)})`;
    throw new HdlError(
      'LITERAL',
      `literal ${integer} does not fit ${typeName(type)}, whose range is ${minValue(type)}..${maxValue(type)}; it needs ${needed}`,
      loc,
    );
  }
  return { kind: 'const', type, bits: toBits(integer, type.width), loc };
}

/** Makes a constant of the smallest type with the given signedness that holds `value`. */
export function inferredConstant(value: number | bigint | boolean, signed: boolean, loc?: SourceLoc): ConstExpr {
  const integer = toBigInt(value, loc);
  if (integer < 0n && !signed) {
    throw new HdlError(
      'SIGN',
      `negative literal ${integer} used with an unsigned operand; convert the operand with .asSigned() or use a non-negative literal`,
      loc,
    );
  }
  const width = bitsNeeded(integer, signed);
  return constant(integer, { width, signed }, loc);
}
