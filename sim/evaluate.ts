// Compiles IR expressions into closures over the simulator's state.
//
// Each node is checked once against the typing rules in compiler/ir.ts that
// the operator functions in operators.ts rely on, so a malformed node fails
// here with its source location instead of giving wrong bits later. The
// closures read signal values from one array of bit patterns and memory
// words from per-memory arrays, both owned by the caller.

import { mask, sameType, typeName } from '../compiler/ir.ts';
import type { Expr, Memory, Signal, Type } from '../compiler/ir.ts';
import { SimError } from './errors.ts';
import { applyBinary, applyUnary, concatBits, extendBits, sliceBits } from './operators.ts';

export type CompiledExpr = () => bigint;

/** The state that compiled expressions read. */
export interface EvalContext {
  /** Current bit pattern of every signal, indexed by `slotOf`. */
  readonly values: bigint[];
  slotOf(signal: Signal): number;
  /** The words of a memory; the array is read at evaluation time, so later writes are seen. */
  wordsOf(memory: Memory): bigint[];
}

export function compileExpr(expr: Expr, context: EvalContext): CompiledExpr {
  checkWidth(expr);
  const { values } = context;

  switch (expr.kind) {
    case 'const': {
      const bits = expr.bits;
      if (bits < 0n || bits > mask(expr.type.width)) {
        fail(expr, `constant ${bits} is not a bit pattern of ${typeName(expr.type)}`);
      }
      return () => bits;
    }

    case 'ref': {
      expectType(expr, expr.signal.type, `reference to '${expr.signal.name}'`);
      const slot = context.slotOf(expr.signal);
      return () => values[slot];
    }

    case 'unary': {
      const argType = expr.arg.type;
      if (expr.op.startsWith('reduce_')) {
        expectType(expr, UINT1, `result of ${expr.op}`);
      } else {
        expectType(expr, argType, `operand of ${expr.op}`);
      }
      const arg = compileExpr(expr.arg, context);
      const op = expr.op;
      return () => applyUnary(op, argType, arg());
    }

    case 'binary': {
      checkBinaryTypes(expr);
      const left = compileExpr(expr.left, context);
      const right = compileExpr(expr.right, context);
      const { op, type } = expr;
      const leftType = expr.left.type;
      const rightType = expr.right.type;
      return () => applyBinary(op, leftType, rightType, type, left(), right());
    }

    case 'extend': {
      const argType = expr.arg.type;
      if (expr.type.width < argType.width) {
        fail(expr, `extend to ${typeName(expr.type)} is narrower than its operand ${typeName(argType)}`);
      }
      const arg = compileExpr(expr.arg, context);
      const width = expr.type.width;
      return () => extendBits(arg(), argType, width);
    }

    case 'slice': {
      const { lo } = expr;
      const width = expr.type.width;
      if (expr.type.signed) {
        fail(expr, `slice result must be unsigned, not ${typeName(expr.type)}`);
      }
      if (!Number.isInteger(lo) || lo < 0 || lo + width > expr.arg.type.width) {
        fail(expr, `slice [${lo + width - 1}:${lo}] is outside its ${expr.arg.type.width}-bit operand`);
      }
      const arg = compileExpr(expr.arg, context);
      return () => sliceBits(arg(), lo, width);
    }

    case 'concat': {
      const widths = expr.parts.map((part) => part.type.width);
      const total = widths.reduce((sum, width) => sum + width, 0);
      if (expr.parts.length === 0 || expr.type.signed || total !== expr.type.width) {
        fail(expr, `concat of ${widths.length} parts totalling ${total} bits cannot have type ${typeName(expr.type)}`);
      }
      const parts = expr.parts.map((part) => compileExpr(part, context));
      return () => concatBits(parts.map((part) => part()), widths);
    }

    case 'cast': {
      if (expr.type.width !== expr.arg.type.width) {
        fail(expr, `cast changes the width from ${expr.arg.type.width} to ${expr.type.width}`);
      }
      return compileExpr(expr.arg, context);
    }

    case 'mux': {
      expectType(expr.sel, UINT1, 'mux select');
      expectType(expr, expr.whenTrue.type, 'mux true arm');
      expectType(expr, expr.whenFalse.type, 'mux false arm');
      const sel = compileExpr(expr.sel, context);
      const whenTrue = compileExpr(expr.whenTrue, context);
      const whenFalse = compileExpr(expr.whenFalse, context);
      return () => (sel() !== 0n ? whenTrue() : whenFalse());
    }

    case 'memread': {
      const { memory } = expr;
      expectType(expr, memory.type, `read of memory '${memory.name}'`);
      const addr = compileExpr(expr.addr, context);
      const words = context.wordsOf(memory);
      const depth = BigInt(memory.depth);
      return () => {
        const index = addr();
        return index < depth ? words[Number(index)] : 0n;
      };
    }
  }
}

/**
 * Evaluates one expression directly, reading signals through `valueOf` and
 * memories through `wordsOf`. Meant for tests and tools; the simulator
 * compiles expressions once with `compileExpr` instead.
 */
export function evaluateExpr(
  expr: Expr,
  valueOf: (signal: Signal) => bigint,
  wordsOf: (memory: Memory) => bigint[] = () => [],
): bigint {
  const values: bigint[] = [];
  const slots = new Map<Signal, number>();
  const context: EvalContext = {
    values,
    slotOf(signal) {
      let slot = slots.get(signal);
      if (slot === undefined) {
        slot = values.length;
        values.push(valueOf(signal));
        slots.set(signal, slot);
      }
      return slot;
    },
    wordsOf,
  };
  return compileExpr(expr, context)();
}

const UINT1: Type = { width: 1, signed: false };

function checkBinaryTypes(expr: Extract<Expr, { kind: 'binary' }>): void {
  const { op, left, right } = expr;
  const operands = `operands of ${op} (${typeName(left.type)}, ${typeName(right.type)})`;

  switch (op) {
    case 'add': case 'sub': case 'and': case 'or': case 'xor':
      expectType(right, left.type, operands);
      expectType(expr, left.type, `result of ${op}`);
      return;
    case 'mul':
      if (left.type.signed !== right.type.signed) {
        fail(expr, `${operands} must share signedness`);
      }
      expectType(expr, { width: left.type.width + right.type.width, signed: left.type.signed }, `result of mul`);
      return;
    case 'eq': case 'ne': case 'lt': case 'le': case 'gt': case 'ge':
      expectType(right, left.type, operands);
      expectType(expr, UINT1, `result of ${op}`);
      return;
    case 'shl': case 'shr':
      if (right.type.signed) {
        fail(expr, `shift amount must be unsigned, not ${typeName(right.type)}`);
      }
      expectType(expr, left.type, `result of ${op}`);
      return;
  }
}

function checkWidth(expr: Expr): void {
  const { width } = expr.type;
  if (!Number.isInteger(width) || width < 1) {
    fail(expr, `width ${width} is not a positive integer`);
  }
}

function expectType(expr: Expr, expected: Type, what: string): void {
  if (!sameType(expr.type, expected)) {
    fail(expr, `${what}: expected ${typeName(expected)}, got ${typeName(expr.type)}`);
  }
}

function fail(expr: Expr, detail: string): never {
  throw new SimError(`invalid IR ${expr.kind} node: ${detail}`, expr.loc);
}
