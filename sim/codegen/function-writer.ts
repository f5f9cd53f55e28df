// Writes the body of one generated JavaScript function and translates IR
// expressions into it, for the compiled back end.
//
// Rules the generated code follows:
// - A value is a list of limbs (see limbs.ts). Each limb is a JavaScript
//   expression: a number literal, `st[i]` (a signal's state), or a local
//   that contains an unsigned integer below 2^(limb width).
// - Every operator is computed on plain numbers where that is exact: one-limb
//   values of up to 32 bits, and products whose operands fit one limb and
//   whose result has at most 53 bits. JavaScript's bitwise operators work on
//   32-bit signed integers, so every limb result passes through `>>> 0` (32
//   bits) or `& mask` (fewer bits), which take the low bits of any exact
//   integer below 2^53 in magnitude.
// - Wider values use limb-wise code for the bitwise operators, add, sub,
//   neg, comparisons, slices, concatenation, extension and shifts by a
//   constant. Products above 53 bits and shifts of wide values by a variable
//   amount convert to bigint and call the interpreter's operator function in
//   sim/operators.ts, so both back ends share those semantics exactly.
// - Expressions without signals or memories are folded to constants with
//   the interpreter's evaluator. Each expression, and each piece of
//   generated code with the same text, is computed once per block and
//   reused in nested blocks. Both arms of a mux are evaluated lazily.

import type { BinaryExpr, Expr, Memory, Signal, Type, UnaryOp } from '../../compiler/ir.ts';
import { evaluateExpr } from '../evaluate.ts';
import { applyBinary } from '../operators.ts';
import { LIMB_BITS, limbCount, limbMask, limbWidth, splitBits } from './limbs.ts';

/** The placement of each signal and memory in the generated code's state. */
export interface Layout {
  /** Index in `st` of the signal's least significant limb. */
  signalOffset(signal: Signal): number;
  /** The local that contains the memory's Uint32Array of words, `limbCount(width)` limbs per word. */
  memoryName(memory: Memory): string;
}

/** Values the generated code reads as `K[i]`: bigint operator functions for the fallbacks. */
export class ConstantTable {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `K[${this.values.length - 1}]`;
  }
}

type Limbs = string[];

interface Piece {
  readonly limbs: Limbs;
  /** Width of the value that `limbs` hold. */
  readonly sourceWidth: number;
  /** Number of low bits of that value that the piece places. */
  readonly width: number;
  /** Bit position of the piece's least significant bit in the result. */
  readonly at: number;
}

const BITWISE_SYMBOLS = { and: '&', or: '|', xor: '^' } as const;

const ATOM = /^(?:\d+|[a-z]\d+(?:_\d+)?|st\[\d+\])$/;

export class FunctionWriter {
  private readonly lines: string[] = [];
  private characters = 0;
  private depth = 1;
  private nextId = 0;
  private readonly memo: Map<Expr, Limbs>[] = [new Map()];
  /** Per open block, the local that already holds each generated expression text. */
  private readonly bound: Map<string, string>[] = [new Map()];
  /** Signals already computed in this function, whose limbs later expressions may read from locals. */
  private readonly aliases = new Map<number, Limbs>();

  constructor(private readonly layout: Layout, private readonly constants: ConstantTable) {}

  /** Characters written so far, a proxy for the size of the function's bytecode. */
  get size(): number {
    return this.characters;
  }

  body(): string {
    return this.lines.join('\n');
  }

  line(text: string): void {
    this.lines.push('  '.repeat(this.depth) + text);
    this.characters += text.length;
  }

  open(header: string): void {
    this.line(`${header} {`);
    this.depth++;
    this.memo.push(new Map());
    this.bound.push(new Map());
  }

  otherwise(): void {
    this.memo.pop();
    this.bound.pop();
    this.depth--;
    this.line('} else {');
    this.depth++;
    this.memo.push(new Map());
    this.bound.push(new Map());
  }

  close(): void {
    this.memo.pop();
    this.bound.pop();
    this.depth--;
    this.line('}');
  }

  /** Declares `count` mutable locals, each starting at 0, and returns their names. */
  declare(count: number): string[] {
    const id = this.nextId++;
    const names = Array.from({ length: count }, (_, k) => `v${id}_${k}`);
    this.line(`let ${names.map((name) => `${name} = 0`).join(', ')};`);
    return names;
  }

  assign(targets: readonly string[], limbs: readonly string[]): void {
    targets.forEach((target, k) => this.line(`${target} = ${limbs[k]};`));
  }

  /**
   * Records that the signal at state offset `offset` now equals `limbs`, so later
   * expressions in this function read them without loading `st`. Only valid
   * while nothing else writes the signal, as in settling, where each
   * signal has one driver.
   */
  alias(offset: number, limbs: Limbs): void {
    this.aliases.set(offset, limbs);
  }

  /** Returns the limbs of `expr`, emitting the statements that compute them. */
  expr(expr: Expr): Limbs {
    for (let i = this.memo.length - 1; i >= 0; i--) {
      const known = this.memo[i].get(expr);
      if (known !== undefined) {
        return known;
      }
    }
    const limbs = this.compute(expr);
    this.memo[this.memo.length - 1].set(expr, limbs);
    return limbs;
  }

  /**
   * Returns an atom for `value`: the value itself when it is one, the local
   * that already holds the same text in this block or an enclosing one, or
   * else a new constant local. Reusing text is sound because every `st`
   * slot that a function reads keeps its value until the function stores
   * it, and settling reads a signal only after its one store.
   */
  bind(value: string): string {
    if (ATOM.test(value)) {
      return value;
    }
    for (let i = this.bound.length - 1; i >= 0; i--) {
      const known = this.bound[i].get(value);
      if (known !== undefined) {
        return known;
      }
    }
    const name = `t${this.nextId++}`;
    this.line(`const ${name} = ${value};`);
    this.bound[this.bound.length - 1].set(value, name);
    return name;
  }

  /** Returns a memory word's limbs: the word at `index`, or 0 past the memory's end. */
  memoryWord(memory: Memory, address: Expr): Limbs {
    const words = this.layout.memoryName(memory);
    const count = limbCount(memory.type.width);
    const index = this.index(address, memory.depth);
    const base = count === 1 ? index.value : this.bind(`${index.value} * ${count}`);
    return Array.from({ length: count }, (_, k) => {
      const at = k === 0 ? base : `${base} + ${k}`;
      return this.bind(index.checked ? `${words}[${at}]` : `(${index.value} < ${memory.depth} ? ${words}[${at}] : 0)`);
    });
  }

  /**
   * Returns an address as one number, with any address of 2^32 or more
   * replaced by `depth`, and whether every value it can take is below `depth`.
   */
  index(address: Expr, depth: number): { value: string; checked: boolean } {
    const limbs = this.expr(address);
    if (limbs.length === 1) {
      return { value: limbs[0], checked: 2 ** address.type.width <= depth };
    }
    const upper = limbs.slice(1).join(' | ');
    return { value: this.bind(`(${upper}) !== 0 ? ${depth} : ${limbs[0]}`), checked: false };
  }

  private compute(expr: Expr): Limbs {
    const width = expr.type.width;
    if (expr.kind !== 'const' && isConstant(expr)) {
      return splitBits(evaluateExpr(expr, () => 0n), width).map(String);
    }
    switch (expr.kind) {
      case 'const':
        return splitBits(expr.bits, width).map(String);
      case 'ref': {
        const offset = this.layout.signalOffset(expr.signal);
        return this.aliases.get(offset) ?? Array.from({ length: limbCount(width) }, (_, k) => `st[${offset + k}]`);
      }
      case 'cast':
        return this.expr(expr.arg);
      case 'unary':
        return this.unary(expr.op, this.expr(expr.arg), expr.arg.type);
      case 'binary':
        return this.binary(expr);
      case 'extend':
        return this.extend(this.expr(expr.arg), expr.arg.type, width);
      case 'slice':
        return this.slice(this.expr(expr.arg), expr.arg.type.width, expr.lo, width);
      case 'concat': {
        const pieces: Piece[] = [];
        let at = width;
        for (const part of expr.parts) {
          at -= part.type.width;
          pieces.push({ limbs: this.expr(part), sourceWidth: part.type.width, width: part.type.width, at });
        }
        return this.place(pieces, width);
      }
      case 'mux':
        return this.mux(expr.sel, expr.whenTrue, expr.whenFalse, width);
      case 'memread':
        return this.memoryWord(expr.memory, expr.addr);
    }
  }

  private mux(sel: Expr, whenTrue: Expr, whenFalse: Expr, width: number): Limbs {
    const condition = this.expr(sel)[0];
    if (isSimple(whenTrue) && isSimple(whenFalse)) {
      const a = this.expr(whenTrue);
      const b = this.expr(whenFalse);
      return a.map((limb, k) => this.bind(`${condition} !== 0 ? ${limb} : ${b[k]}`));
    }
    const result = this.declare(limbCount(width));
    this.open(`if (${condition} !== 0)`);
    this.assign(result, this.expr(whenTrue));
    this.otherwise();
    this.assign(result, this.expr(whenFalse));
    this.close();
    return result;
  }

  private unary(op: UnaryOp, a: Limbs, type: Type): Limbs {
    const width = type.width;
    switch (op) {
      case 'not':
        return a.map((limb, k) => this.bind(fit(`~${limb}`, limbWidth(width, k))));
      case 'neg':
        return this.subtract(a.map(() => '0'), a, width);
      case 'reduce_and':
        return [this.bind(`(${a.map((limb, k) => `${limb} === ${limbMask(limbWidth(width, k))}`).join(' && ')}) ? 1 : 0`)];
      case 'reduce_or':
        return [this.bind(`(${a.join(' | ')}) !== 0 ? 1 : 0`)];
      case 'reduce_xor':
        return [this.bind(`H.parity(${a.join(' ^ ')})`)];
    }
  }

  private binary(expr: BinaryExpr): Limbs {
    const { op } = expr;
    const leftType = expr.left.type;
    const width = leftType.width;
    const a = this.expr(expr.left);
    const b = this.expr(expr.right);

    switch (op) {
      case 'add':
        return this.add(a, b, width);
      case 'sub':
        return this.subtract(a, b, width);
      case 'mul':
        return this.multiply(expr, a, b);
      case 'and': case 'or': case 'xor': {
        const symbol = BITWISE_SYMBOLS[op];
        return a.map((limb, k) => {
          const value = `${limb} ${symbol} ${b[k]}`;
          return this.bind(limbWidth(width, k) === LIMB_BITS ? `(${value}) >>> 0` : value);
        });
      }
      case 'eq': case 'ne': {
        const same = a.map((limb, k) => `${limb} === ${b[k]}`).join(' && ');
        return [this.bind(op === 'eq' ? `${same} ? 1 : 0` : `${same} ? 0 : 1`)];
      }
      case 'lt': case 'le': case 'gt': case 'ge':
        return [this.compare(op, a, b, leftType)];
      case 'shl': case 'shr':
        return this.shift(expr, a, b);
    }
  }

  private add(a: Limbs, b: Limbs, width: number): Limbs {
    const result: Limbs = [];
    let carry = '';
    for (let k = 0; k < a.length; k++) {
      const sum = this.bind(`${a[k]} + ${b[k]}${carry}`);
      result.push(this.bind(fit(sum, limbWidth(width, k))));
      carry = ` + (${sum} > 4294967295 ? 1 : 0)`;
    }
    return result;
  }

  private subtract(a: Limbs, b: Limbs, width: number): Limbs {
    const result: Limbs = [];
    let borrow = '';
    for (let k = 0; k < a.length; k++) {
      const difference = this.bind(`${a[k]} - ${b[k]}${borrow}`);
      result.push(this.bind(fit(difference, limbWidth(width, k))));
      borrow = ` - (${difference} < 0 ? 1 : 0)`;
    }
    return result;
  }

  // The product of a wl-bit and a wr-bit operand needs wl + wr bits, so up
  // to 53 bits it is an exact double, signed or not.
  private multiply(expr: BinaryExpr, a: Limbs, b: Limbs): Limbs {
    const left = expr.left.type;
    const right = expr.right.type;
    const width = expr.type.width;
    if (a.length > 1 || b.length > 1 || width > 53) {
      return this.viaBigint(expr, a, b);
    }
    const x = left.signed ? signedLimb(a[0], left.width) : a[0];
    const y = right.signed ? signedLimb(b[0], right.width) : b[0];
    const product = this.bind(`${x} * ${y}`);
    if (width <= LIMB_BITS) {
      return [this.bind(fit(product, width))];
    }
    return [this.bind(fit(product, LIMB_BITS)), this.bind(fit(`Math.floor(${product} / 4294967296)`, width - LIMB_BITS))];
  }

  // Compares from the most significant limb down; only the top limb carries a sign.
  private compare(op: 'lt' | 'le' | 'gt' | 'ge', a: Limbs, b: Limbs, type: Type): string {
    const top = a.length - 1;
    const read = (limbs: Limbs, k: number): string =>
      k === top && type.signed ? this.bind(signedLimb(limbs[k], limbWidth(type.width, k))) : limbs[k];
    const symbol = { lt: '<', le: '<=', gt: '>', ge: '>=' }[op];
    const strict = op === 'lt' || op === 'le' ? '<' : '>';

    let condition = `${read(a, 0)} ${symbol} ${read(b, 0)}`;
    for (let k = 1; k <= top; k++) {
      const x = read(a, k);
      const y = read(b, k);
      condition = `(${x} !== ${y} ? ${x} ${strict} ${y} : ${condition})`;
    }
    return this.bind(`${condition} ? 1 : 0`);
  }

  private shift(expr: BinaryExpr, a: Limbs, b: Limbs): Limbs {
    const type = expr.left.type;
    const width = type.width;
    const constant = b.every((limb) => /^\d+$/.test(limb)) ? constantAmount(b, width) : undefined;

    if (constant !== undefined) {
      return this.shiftByConstant(expr.op as 'shl' | 'shr', a, type, constant);
    }
    // An amount of 2^32 or more acts like the width itself.
    const amount = b.length === 1 ? b[0] : this.bind(`(${b.slice(1).join(' | ')}) !== 0 ? ${width} : ${b[0]}`);
    if (a.length > 1) {
      return this.shiftWide(expr.op as 'shl' | 'shr', a, type, amount);
    }
    if (expr.op === 'shl') {
      return [this.bind(`${amount} >= ${width} ? 0 : ${fit(`${a[0]} << ${amount}`, width)}`)];
    }
    if (!type.signed) {
      return [this.bind(`${amount} >= ${width} ? 0 : ${a[0]} >>> ${amount}`)];
    }
    return [this.bind(fit(`${signedLimb(a[0], width)} >> (${amount} >= ${width} ? ${width - 1} : ${amount})`, width))];
  }

  /**
   * Shifts a value of several limbs by a variable amount below 2^32: whole
   * limbs by amount / 32, chosen by a chain of compares, then bits by
   * amount % 32. A signed shr reads limbs past the top as copies of the
   * sign, so any amount at or above the width leaves only sign bits, and
   * bits moved past the width are masked off.
   */
  private shiftWide(op: 'shl' | 'shr', a: Limbs, type: Type, amount: string): Limbs {
    const width = type.width;
    const count = a.length;
    const limbs = this.bind(`${amount} >>> 5`);
    const bits = this.bind(`${amount} & 31`);
    let source = a;
    let fill = '0';
    if (op === 'shr' && type.signed) {
      const topWidth = limbWidth(width, count - 1);
      const sign = this.bind(`-((${a[count - 1]} >>> ${topWidth - 1}) & 1)`);
      fill = this.bind(`${sign} >>> 0`);
      if (topWidth < LIMB_BITS) {
        source = [...a.slice(0, -1), this.bind(`(${a[count - 1]} | (${sign} << ${topWidth})) >>> 0`)];
      }
    }

    // Limb `index - limbs` (shl) or `index + limbs` (shr) of the source, for the run-time value of `limbs`.
    const pick = (index: number): string => {
      let chain = op === 'shl' ? '0' : fill;
      for (let whole = count - 1; whole >= 0; whole--) {
        const at = op === 'shl' ? index - whole : index + whole;
        let limb = fill;
        if (at < 0) {
          limb = '0';
        } else if (at < count) {
          limb = source[at];
        }
        chain = `${limbs} === ${whole} ? ${limb} : ${chain}`;
      }
      return this.bind(chain);
    };

    return a.map((_, k) => {
      const value = op === 'shl'
        ? `(${pick(k)} << ${bits}) | (${bits} === 0 ? 0 : ${pick(k - 1)} >>> (32 - ${bits}))`
        : `(${pick(k)} >>> ${bits}) | (${bits} === 0 ? 0 : ${pick(k + 1)} << (32 - ${bits}))`;
      return this.bind(fit(value, limbWidth(width, k)));
    });
  }

  // With an amount known in advance, shifts become slices: shl moves the low
  // bits up, shr takes the high bits and zero- or sign-extends them.
  private shiftByConstant(op: 'shl' | 'shr', a: Limbs, type: Type, amount: number): Limbs {
    const width = type.width;
    if (op === 'shr' && type.signed) {
      const clamped = Math.min(amount, width - 1);
      if (clamped === 0) {
        return a;
      }
      const high = this.slice(a, width, clamped, width - clamped);
      return this.extend(high, { width: width - clamped, signed: true }, width);
    }
    if (amount >= width) {
      return a.map(() => '0');
    }
    if (amount === 0) {
      return a;
    }
    if (op === 'shl') {
      return this.place([{ limbs: a, sourceWidth: width, width: width - amount, at: amount }], width);
    }
    const high = this.slice(a, width, amount, width - amount);
    return this.place([{ limbs: high, sourceWidth: width - amount, width: width - amount, at: 0 }], width);
  }

  private viaBigint(expr: BinaryExpr, a: Limbs, b: Limbs): Limbs {
    const { op } = expr;
    const left = expr.left.type;
    const right = expr.right.type;
    const result = expr.type;
    const operator = this.constants.add((x: bigint, y: bigint) => applyBinary(op, left, right, result, x, y));
    const value = this.bind(`${operator}(${toBigint(a)}, ${toBigint(b)})`);
    if (limbCount(result.width) === 1) {
      return [this.bind(`Number(${value})`)];
    }
    return Array.from({ length: limbCount(result.width) }, (_, k) => this.bind(`H.limb(${value}, ${k})`));
  }

  private extend(a: Limbs, from: Type, width: number): Limbs {
    const count = limbCount(width);
    if (!from.signed) {
      return Array.from({ length: count }, (_, k) => a[k] ?? '0');
    }
    if (a.length === 1 && count === 1) {
      return [this.bind(fit(signedLimb(a[0], from.width), width))];
    }

    const top = a.length - 1;
    const topWidth = limbWidth(from.width, top);
    // 0 when the sign bit is clear, -1 (every bit set) when it is set.
    const fill = this.bind(`-((${a[top]} >>> ${topWidth - 1}) & 1)`);
    return Array.from({ length: count }, (_, k) => {
      if (k < top) {
        return a[k];
      }
      const bits = limbWidth(width, k);
      if (k > top) {
        return this.bind(fit(fill, bits));
      }
      return topWidth === LIMB_BITS ? a[k] : this.bind(fit(`${a[k]} | (${fill} << ${topWidth})`, bits));
    });
  }

  private slice(a: Limbs, sourceWidth: number, lo: number, width: number): Limbs {
    return Array.from({ length: limbCount(width) }, (_, k) =>
      this.extract(a, sourceWidth, lo + LIMB_BITS * k, limbWidth(width, k)));
  }

  /** Returns bits [offset + count - 1 : offset] of a value, with count at most 32. */
  private extract(a: Limbs, sourceWidth: number, offset: number, count: number): string {
    const q = Math.floor(offset / LIMB_BITS);
    const r = offset % LIMB_BITS;
    if (q >= a.length) {
      return '0';
    }
    let value = r === 0 ? a[q] : `${a[q]} >>> ${r}`;
    let available = Math.min(sourceWidth - offset, LIMB_BITS - r);
    let joined = false;
    if (r > 0 && count > LIMB_BITS - r && q + 1 < a.length) {
      value = `(${value}) | (${a[q + 1]} << ${LIMB_BITS - r})`;
      available = Math.min(sourceWidth - offset, 2 * LIMB_BITS - r);
      joined = true;
    }
    if (available > count) {
      return this.bind(fit(value, count));
    }
    // An OR with a left shift can set bit 31, which reads as negative.
    return this.bind(joined && count === LIMB_BITS ? `(${value}) >>> 0` : value);
  }

  /** Builds a `width`-bit value from pieces placed at their bit positions, zeros elsewhere. */
  private place(pieces: readonly Piece[], width: number): Limbs {
    return Array.from({ length: limbCount(width) }, (_, k) => {
      const lo = LIMB_BITS * k;
      const bits = limbWidth(width, k);
      const terms: string[] = [];
      let shifted = false;
      for (const piece of pieces) {
        const from = Math.max(lo, piece.at);
        const to = Math.min(lo + bits, piece.at + piece.width);
        if (from >= to) {
          continue;
        }
        const part = this.extract(piece.limbs, piece.sourceWidth, from - piece.at, to - from);
        if (part === '0') {
          continue;
        }
        const position = from - lo;
        terms.push(position === 0 ? part : `(${part} << ${position})`);
        shifted ||= position > 0;
      }
      if (terms.length === 0) {
        return '0';
      }
      if (terms.length === 1 && !shifted) {
        return terms[0];
      }
      const value = terms.join(' | ');
      return this.bind(bits === LIMB_BITS ? `(${value}) >>> 0` : value);
    });
  }
}

/** Wraps an exact integer expression to its low `bits` bits, 1 to 32, as an unsigned number. */
function fit(value: string, bits: number): string {
  return bits === LIMB_BITS ? `(${value}) >>> 0` : `(${value}) & ${limbMask(bits)}`;
}

/** Reads a one-limb value of `width` bits as a signed 32-bit integer (two's complement). */
function signedLimb(limb: string, width: number): string {
  if (width === LIMB_BITS) {
    return `(${limb} | 0)`;
  }
  return `((${limb} << ${LIMB_BITS - width}) >> ${LIMB_BITS - width})`;
}

function toBigint(limbs: Limbs): string {
  return limbs.length === 1 ? `BigInt(${limbs[0]})` : `H.join(${limbs.join(', ')})`;
}

/** Returns a shift amount from constant limbs, capped at `width` (every larger amount acts the same). */
function constantAmount(limbs: Limbs, width: number): number {
  let amount = 0n;
  for (let k = limbs.length - 1; k >= 0; k--) {
    amount = (amount << 32n) | BigInt(limbs[k]);
  }
  return amount >= BigInt(width) ? width : Number(amount);
}

const constantExprs = new WeakMap<Expr, boolean>();

/** Tells whether an expression reads no signal and no memory, so its value is known before simulation. */
function isConstant(expr: Expr): boolean {
  let known = constantExprs.get(expr);
  if (known === undefined) {
    switch (expr.kind) {
      case 'const':
        known = true;
        break;
      case 'ref': case 'memread':
        known = false;
        break;
      case 'unary': case 'extend': case 'slice': case 'cast':
        known = isConstant(expr.arg);
        break;
      case 'binary':
        known = isConstant(expr.left) && isConstant(expr.right);
        break;
      case 'concat':
        known = expr.parts.every(isConstant);
        break;
      case 'mux':
        known = isConstant(expr.sel) && isConstant(expr.whenTrue) && isConstant(expr.whenFalse);
        break;
    }
    constantExprs.set(expr, known);
  }
  return known;
}

/** Tells whether an expression costs no more than a load, so a mux can evaluate it unconditionally. */
function isSimple(expr: Expr): boolean {
  return expr.kind === 'const' || expr.kind === 'ref' || (expr.kind === 'cast' && isSimple(expr.arg));
}
