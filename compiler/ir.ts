// The one intermediate representation that the Verilog emitter, the simulator
// and every check read.
//
// Rules that hold for every expression node (validated by `checkExpr` in
// compiler/checks/ir-rules.ts, and relied on by every back end):
// - `type` is the node's result; no operator takes its width from context.
// - Bit patterns are unsigned bigints in [0, 2^width); signedness only says
//   how a pattern is read (two's complement when signed).
// - add, sub, and, or, xor: both operands and the result share one type;
//   the result is taken modulo 2^width. neg and not keep their operand's type.
// - mul: operands share signedness; the result is wl + wr bits and exact.
// - eq, ne, lt, le, gt, ge: operands share one type (signed compares read two's
//   complement); the result is UInt(1).
// - shl, shr: the amount is unsigned and any width; the result has the left
//   operand's type. Bits shifted past the width are lost; an amount at or
//   above the width gives 0, or all sign bits for shr of a signed value.
// - extend: sign-extends a signed operand, zero-extends an unsigned one, to a
//   strictly greater width.
// - Register.init and Memory.init hold bit patterns, like constants.
// - slice: bits [lo + width - 1 : lo] of its operand, always unsigned.
// - concat: parts[0] is the most significant part; the result is unsigned.
// - cast: the same bits read with the other signedness.
// - mux: `sel` is UInt(1); both arms have the result type.

export interface Type {
  readonly width: number;
  readonly signed: boolean;
}

export interface SourceLoc {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export type UnaryOp = 'not' | 'neg' | 'reduce_and' | 'reduce_or' | 'reduce_xor';

export type BinaryOp =
  | 'add' | 'sub' | 'mul'
  | 'and' | 'or' | 'xor'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'
  | 'shl' | 'shr';

interface ExprBase {
  readonly type: Type;
  readonly loc?: SourceLoc;
}

export interface ConstExpr extends ExprBase {
  readonly kind: 'const';
  readonly bits: bigint;
}

export interface RefExpr extends ExprBase {
  readonly kind: 'ref';
  readonly signal: Signal;
}

export interface UnaryExpr extends ExprBase {
  readonly kind: 'unary';
  readonly op: UnaryOp;
  readonly arg: Expr;
}

export interface BinaryExpr extends ExprBase {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}

export interface ExtendExpr extends ExprBase {
  readonly kind: 'extend';
  readonly arg: Expr;
}

export interface SliceExpr extends ExprBase {
  readonly kind: 'slice';
  readonly arg: Expr;
  readonly lo: number;
}

export interface ConcatExpr extends ExprBase {
  readonly kind: 'concat';
  readonly parts: readonly Expr[];
}

export interface CastExpr extends ExprBase {
  readonly kind: 'cast';
  readonly arg: Expr;
}

export interface MuxExpr extends ExprBase {
  readonly kind: 'mux';
  readonly sel: Expr;
  readonly whenTrue: Expr;
  readonly whenFalse: Expr;
}

/** An asynchronous (combinational) memory read; out-of-range addresses read 0. */
export interface MemReadExpr extends ExprBase {
  readonly kind: 'memread';
  readonly memory: Memory;
  readonly addr: Expr;
}

export type Expr =
  | ConstExpr | RefExpr | UnaryExpr | BinaryExpr | ExtendExpr
  | SliceExpr | ConcatExpr | CastExpr | MuxExpr | MemReadExpr;

/**
 * input and output are ports; wire and reg are internal. A register's value
 * comes from its `Register` entry, a wire's or output's from its `Assign`,
 * an instance-output's from the child module, a memdata's from a synchronous
 * memory read port.
 */
export type SignalKind = 'input' | 'output' | 'wire' | 'reg' | 'instout' | 'memdata';

export interface Signal {
  readonly name: string;
  readonly type: Type;
  readonly kind: SignalKind;
  readonly loc?: SourceLoc;
}

export interface Assign {
  readonly target: Signal;
  readonly value: Expr;
  readonly loc?: SourceLoc;
}

export interface ResetSpec {
  readonly signal: Signal;
  readonly async: boolean;
  readonly activeLow: boolean;
}

/**
 * A register updates on the rising edge of `clock`. While the reset is
 * active it takes `init`; otherwise it takes `next` when `enable` is 1 (or
 * always, without an enable). It also holds `init` from time zero.
 */
export interface Register {
  readonly signal: Signal;
  readonly clock: Signal;
  readonly next: Expr;
  readonly enable?: Expr;
  readonly reset?: ResetSpec;
  readonly init: bigint;
  readonly loc?: SourceLoc;
}

/** A write port stores `data` at `addr` on the rising clock edge when `enable` is 1; out-of-range addresses are ignored. */
export interface MemWritePort {
  readonly clock: Signal;
  readonly enable: Expr;
  readonly addr: Expr;
  readonly data: Expr;
  readonly loc?: SourceLoc;
}

/**
 * A synchronous read port loads `data` (a memdata signal, 0 from time zero)
 * from `addr` on the rising clock edge when `enable` is 1. It reads the value
 * stored before that edge's writes (read-before-write).
 */
export interface MemReadPort {
  readonly clock: Signal;
  readonly enable?: Expr;
  readonly addr: Expr;
  readonly data: Signal;
  readonly loc?: SourceLoc;
}

/** Every word starts as `init[i]`, or 0 where `init` is shorter than `depth`. */
export interface Memory {
  readonly name: string;
  readonly type: Type;
  readonly depth: number;
  readonly addrWidth: number;
  readonly init: readonly bigint[];
  readonly writePorts: readonly MemWritePort[];
  readonly readPorts: readonly MemReadPort[];
  /**
   * Memory without power-up contents (such as iCE40 SPRAM): the Verilog has
   * no $readmemh, so unwritten words read as x in Verilog simulators, while
   * the TypeScript simulator reads them as 0. A design must write a word
   * before reading it.
   */
  readonly uninitialized?: boolean;
  /** Synthesis attributes emitted on the declaration, e.g. ram_style = "huge" for iCE40 SPRAM. */
  readonly attributes?: Readonly<Record<string, string>>;
  readonly loc?: SourceLoc;
}

export interface Instance {
  readonly name: string;
  readonly module: ModuleIR;
  /** Child input port name to the parent wire that drives it. */
  readonly inputs: ReadonlyMap<string, Signal>;
  /** Child output port name to the parent instout signal it drives. */
  readonly outputs: ReadonlyMap<string, Signal>;
  readonly loc?: SourceLoc;
}

export type ParamValue = number | string | boolean;

export interface ModuleIR {
  readonly name: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Inputs and outputs in declaration order. */
  readonly ports: readonly Signal[];
  /** Every signal of the module, ports first, in declaration order. */
  readonly signals: readonly Signal[];
  readonly assigns: readonly Assign[];
  readonly registers: readonly Register[];
  readonly memories: readonly Memory[];
  readonly instances: readonly Instance[];
  readonly loc?: SourceLoc;
}

export function mask(width: number): bigint {
  return (1n << BigInt(width)) - 1n;
}

/** Reads a bit pattern as the integer it stands for under `type`. */
export function toInteger(bits: bigint, type: Type): bigint {
  if (type.signed && (bits >> BigInt(type.width - 1)) & 1n) {
    return bits - (1n << BigInt(type.width));
  }
  return bits;
}

/** Wraps an integer into the bit pattern of `width` bits (two's complement). */
export function toBits(value: bigint, width: number): bigint {
  return value & mask(width);
}

export function typeName(type: Type): string {
  return `${type.signed ? 'SInt' : 'UInt'}(${type.width})`;
}

export function sameType(a: Type, b: Type): boolean {
  return a.width === b.width && a.signed === b.signed;
}
