// Small constructors for hand-built IR in the simulator tests. They follow
// the typing rules in compiler/ir.ts, so the result type of each node is
// derived from its operands as the elaborator would give it.

import type {
  Assign, BinaryOp, Expr, Instance, Memory, MemReadPort, MemWritePort, ModuleIR, Register,
  ResetSpec, Signal, SignalKind, SourceLoc, Type, UnaryOp,
} from '../../compiler/ir.ts';

export const u = (width: number): Type => ({ width, signed: false });
export const s = (width: number): Type => ({ width, signed: true });

export function loc(line: number, file = 'designs/test-design.ts'): SourceLoc {
  return { file, line, column: 1 };
}

export function signal(name: string, type: Type, kind: SignalKind, at?: SourceLoc): Signal {
  return { name, type, kind, loc: at };
}

export const input = (name: string, type: Type): Signal => signal(name, type, 'input');
export const output = (name: string, type: Type): Signal => signal(name, type, 'output');
export const wire = (name: string, type: Type): Signal => signal(name, type, 'wire');
export const reg = (name: string, type: Type): Signal => signal(name, type, 'reg');

export function ref(target: Signal): Expr {
  return { kind: 'ref', type: target.type, signal: target };
}

/** Builds a constant from an integer in the type's range (negative for signed types). */
export function constant(value: bigint | number, type: Type): Expr {
  const bits = BigInt(value) & ((1n << BigInt(type.width)) - 1n);
  return { kind: 'const', type, bits };
}

export function unary(op: UnaryOp, arg: Expr): Expr {
  const type = op.startsWith('reduce_') ? u(1) : arg.type;
  return { kind: 'unary', op, arg, type };
}

export function binary(op: BinaryOp, left: Expr, right: Expr): Expr {
  let type: Type;
  switch (op) {
    case 'mul':
      type = { width: left.type.width + right.type.width, signed: left.type.signed };
      break;
    case 'eq': case 'ne': case 'lt': case 'le': case 'gt': case 'ge':
      type = u(1);
      break;
    default:
      type = left.type;
  }
  return { kind: 'binary', op, left, right, type };
}

export function extend(arg: Expr, width: number): Expr {
  return { kind: 'extend', arg, type: { width, signed: arg.type.signed } };
}

export function slice(arg: Expr, lo: number, width: number): Expr {
  return { kind: 'slice', arg, lo, type: u(width) };
}

export function concat(...parts: Expr[]): Expr {
  const width = parts.reduce((sum, part) => sum + part.type.width, 0);
  return { kind: 'concat', parts, type: u(width) };
}

export function cast(arg: Expr): Expr {
  return { kind: 'cast', arg, type: { width: arg.type.width, signed: !arg.type.signed } };
}

export function mux(sel: Expr, whenTrue: Expr, whenFalse: Expr): Expr {
  return { kind: 'mux', sel, whenTrue, whenFalse, type: whenTrue.type };
}

export function memread(memory: Memory, addr: Expr): Expr {
  return { kind: 'memread', memory, addr, type: memory.type };
}

export function assign(target: Signal, value: Expr, at?: SourceLoc): Assign {
  return { target, value, loc: at };
}

export function register(
  target: Signal,
  clock: Signal,
  next: Expr,
  options: { init?: bigint; enable?: Expr; reset?: ResetSpec; loc?: SourceLoc } = {},
): Register {
  return { signal: target, clock, next, init: options.init ?? 0n, enable: options.enable, reset: options.reset, loc: options.loc };
}

/** A memory whose ports are added afterwards, because port expressions may read the memory itself. */
export interface MemoryUnderConstruction extends Memory {
  writePorts: MemWritePort[];
  readPorts: MemReadPort[];
}

export function memory(name: string, type: Type, depth: number, init: bigint[] = []): MemoryUnderConstruction {
  const addrWidth = Math.max(1, Math.ceil(Math.log2(depth)));
  return { name, type, depth, addrWidth, init, writePorts: [], readPorts: [] };
}

export function instance(name: string, module: ModuleIR, inputs: Record<string, Signal>, outputs: Record<string, Signal>): Instance {
  return { name, module, inputs: new Map(Object.entries(inputs)), outputs: new Map(Object.entries(outputs)) };
}

/** Builds a module; ports are the input and output signals, in the order given. */
export function module(
  name: string,
  parts: {
    signals: Signal[];
    assigns?: Assign[];
    registers?: Register[];
    memories?: Memory[];
    instances?: Instance[];
  },
): ModuleIR {
  return {
    name,
    params: {},
    ports: parts.signals.filter((sig) => sig.kind === 'input' || sig.kind === 'output'),
    signals: parts.signals,
    assigns: parts.assigns ?? [],
    registers: parts.registers ?? [],
    memories: parts.memories ?? [],
    instances: parts.instances ?? [],
  };
}
