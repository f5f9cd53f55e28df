// Compiles IR expressions into closures over the simulator's state. The
// closures read signal values from one array of bit patterns and memory
// words from per-memory arrays, both owned by the caller.
//
// The operator functions trust the typing rules of compiler/ir.ts, so
// expressions must pass `checkExpr` (compiler/checks/ir-rules.ts) first. The
// Simulator checks every module it is given, and `evaluateExpr` checks its
// argument.

import { checkExpr } from '../compiler/checks/ir-rules.ts';
import type { Expr, Memory, Signal } from '../compiler/ir.ts';
import { applyBinary, applyUnary, concatBits, extendBits, sliceBits } from './operators.ts';

export type CompiledExpr = () => bigint;

/** The state that compiled expressions read. */
export interface EvalContext {
  /** Current bit pattern of every signal, indexed by `slotOf`. */
  readonly values: bigint[];
  slotOf(signal: Signal): number;
  /** The words of a memory. The array is read at evaluation time, so evaluation returns later writes. */
  wordsOf(memory: Memory): bigint[];
}

export function compileExpr(expr: Expr, context: EvalContext): CompiledExpr {
  const { values } = context;

  switch (expr.kind) {
    case 'const': {
      const bits = expr.bits;
      return () => bits;
    }

    case 'ref': {
      const slot = context.slotOf(expr.signal);
      return () => values[slot];
    }

    case 'unary': {
      const arg = compileExpr(expr.arg, context);
      const { op } = expr;
      const argType = expr.arg.type;
      return () => applyUnary(op, argType, arg());
    }

    case 'binary': {
      const left = compileExpr(expr.left, context);
      const right = compileExpr(expr.right, context);
      const { op, type } = expr;
      const leftType = expr.left.type;
      const rightType = expr.right.type;
      return () => applyBinary(op, leftType, rightType, type, left(), right());
    }

    case 'extend': {
      const arg = compileExpr(expr.arg, context);
      const argType = expr.arg.type;
      const width = expr.type.width;
      return () => extendBits(arg(), argType, width);
    }

    case 'slice': {
      const arg = compileExpr(expr.arg, context);
      const { lo } = expr;
      const width = expr.type.width;
      return () => sliceBits(arg(), lo, width);
    }

    case 'concat': {
      const parts = expr.parts.map((part) => compileExpr(part, context));
      const widths = expr.parts.map((part) => part.type.width);
      return () => concatBits(parts.map((part) => part()), widths);
    }

    case 'cast':
      // The bits stay the same; only how later nodes read them changes.
      return compileExpr(expr.arg, context);

    case 'mux': {
      const sel = compileExpr(expr.sel, context);
      const whenTrue = compileExpr(expr.whenTrue, context);
      const whenFalse = compileExpr(expr.whenFalse, context);
      return () => (sel() !== 0n ? whenTrue() : whenFalse());
    }

    case 'memread': {
      const addr = compileExpr(expr.addr, context);
      const words = context.wordsOf(expr.memory);
      const depth = BigInt(expr.memory.depth);
      return () => {
        const index = addr();
        return index < depth ? words[Number(index)] : 0n;
      };
    }
  }
}

/**
 * Evaluates one expression directly, reading signals through `valueOf` and
 * memories through `wordsOf`. It is meant for tests and tools, because the
 * simulator compiles each expression once with `compileExpr` instead.
 */
export function evaluateExpr(
  expr: Expr,
  valueOf: (signal: Signal) => bigint,
  wordsOf: (memory: Memory) => bigint[] = () => [],
): bigint {
  checkExpr(expr);
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
