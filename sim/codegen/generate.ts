// Generates the JavaScript source of a compiled simulation from a
// CompiledDesign, which has already flattened, checked and scheduled the
// design for the interpreter. The generated code does what the interpreter's
// closures do, in the same order:
// - `settle()` runs every combinational step in the interpreter's order,
//   as straight-line code split into functions of bounded size.
// - `edge()` applies the rising edge of every domain clocked by a top-level
//   input: it computes every register's next value, read data and memory
//   write from the settled state, then stores them domain by domain.
// - `prepare[i]()` and `commit[i]()` do the same in two halves for the i-th
//   domain clocked by a register, through the scratch array `nx`, so that
//   several such domains rising together all read the state from before.

import type { Memory, Signal } from '../../compiler/ir.ts';
import type { ClockDomain } from '../clock-domain.ts';
import type { CompiledDesign } from '../compile.ts';
import { ConstantTable, FunctionWriter, type Layout } from './function-writer.ts';
import { limbCount, splitBits } from './limbs.ts';

/**
 * Source characters per generated settle function. V8 does not optimize a
 * function whose bytecode exceeds --max-optimized-bytecode-size (61440
 * bytes in V8 11.3, Node 20). This size keeps every settle function of the
 * fuzz benchmark design optimized (checked with --trace-opt), but the ratio
 * of source to bytecode is only an estimate.
 */
const SETTLE_CHUNK_CHARACTERS = 16_000;

/**
 * Source characters up to which the run loops hold the settle and edge code
 * themselves instead of calling settle() and edge(): a design small enough
 * that the loop function stays under V8's optimization limit (see
 * SETTLE_CHUNK_CHARACTERS).
 */
const INLINE_LOOP_CHARACTERS = 24_000;

/**
 * Loops over many cycles, so that a long run makes one call into the
 * generated code instead of several calls through the Simulator per cycle.
 * See PerCycleFunctions in ../engine.ts for what they promise.
 */
function runLoops(settleBodies: readonly string[], edgeBody: string): string {
  const inline = settleBodies.length === 1 && settleBodies[0].length + edgeBody.length <= INLINE_LOOP_CHARACTERS;
  const settleCode = inline ? `{\n${settleBodies[0]}\n}` : 'settle();';
  const edgeCode = inline ? `{\n${edgeBody}\n}` : 'edge();';
  return `function runSteps(count) {
  for (let i = 0; i < count; i++) {
    ${settleCode}
    ${edgeCode}
  }
}
function runUntil(offset, bits, maxSteps) {
  for (let steps = 0; ; steps++) {
    ${settleCode}
    if (st[offset] === bits) return steps;
    if (steps >= maxSteps) return -1;
    ${edgeCode}
  }
}`;
}

export interface GeneratedSource {
  /** Body of a function of (st, mems, nx, H, K) that returns the entry points. */
  readonly source: string;
  readonly constants: readonly unknown[];
  /** Size of the scratch array `nx`. */
  readonly scratchSize: number;
}

export class StateLayout implements Layout {
  /** Index in the state array of each slot's least significant limb. */
  readonly offsets: number[] = [];
  readonly size: number;
  private readonly memoryIndex = new Map<Memory, number>();

  constructor(readonly design: CompiledDesign) {
    let offset = 0;
    for (const signal of design.netlist.signals) {
      this.offsets.push(offset);
      offset += limbCount(signal.type.width);
    }
    this.size = offset;
    design.netlist.memories.forEach((memory, index) => this.memoryIndex.set(memory, index));
  }

  signalOffset(signal: Signal): number {
    return this.offsets[this.design.slotOf(signal)];
  }

  memoryName(memory: Memory): string {
    return `m${this.memoryIndex.get(memory)}`;
  }
}

export function generateSource(design: CompiledDesign, layout: StateLayout): GeneratedSource {
  const constants = new ConstantTable();
  const parts: string[] = ['"use strict";'];
  design.netlist.memories.forEach((memory, index) => parts.push(`const ${layout.memoryName(memory)} = mems[${index}];`));

  const settleBodies: string[] = [];
  const settleNames = writeSettle(design, layout, constants, parts, settleBodies);
  // With one settle function, settle is that function, which saves a call per cycle.
  if (settleNames.length === 1) {
    parts.push(`const settle = ${settleNames[0]};`);
  } else {
    parts.push(`function settle() {\n${settleNames.map((name) => `  ${name}();`).join('\n')}\n}`);
  }

  // NOTE: edge() is one function however large the design, because its
  // locals carry every next value to the stores at its end. Past V8's
  // bytecode limit it stays unoptimized and slow. The face classifier's and
  // the benchmark fuzz design's edge() are optimized (checked with
  // --trace-opt), but far larger designs are untested.
  const edge = new FunctionWriter(layout, constants);
  const commits = design.primaryDomains.map((domain) => prepareDomain(edge, domain, layout));
  commits.flat().forEach((line) => edge.line(line));
  const edgeBody = edge.body();
  parts.push(`function edge() {\n${edgeBody}\n}`);

  let scratchSize = 0;
  design.derivedDomains.forEach((domain, index) => {
    const prepare = new FunctionWriter(layout, constants);
    const domainCommits = prepareDomain(prepare, domain, layout);
    const locals = [...new Set(domainCommits.join('\n').match(/\bv\d+_\d+\b/g) ?? [])];
    locals.forEach((name, i) => prepare.line(`nx[${scratchSize + i}] = ${name};`));
    const loads = locals.map((name, i) => `  const ${name} = nx[${scratchSize + i}];`);
    scratchSize += locals.length;
    parts.push(`function prepare${index}() {\n${prepare.body()}\n}`);
    parts.push(`function commit${index}() {\n${[...loads, ...domainCommits.map((line) => `  ${line}`)].join('\n')}\n}`);
  });

  parts.push(runLoops(settleBodies, edgeBody));

  const derived = design.derivedDomains.map((_, index) => index);
  parts.push(
    `return { settle, edge, runSteps, runUntil, prepare: [${derived.map((i) => `prepare${i}`).join(', ')}], ` +
      `commit: [${derived.map((i) => `commit${i}`).join(', ')}] };`,
  );
  return { source: parts.join('\n'), constants: constants.values, scratchSize };
}

/** Writes the combinational steps as functions of bounded size and returns their names. */
function writeSettle(design: CompiledDesign, layout: StateLayout, constants: ConstantTable, parts: string[], bodies: string[]): string[] {
  const names: string[] = [];
  let writer = new FunctionWriter(layout, constants);
  const flush = (): void => {
    const name = `settle${names.length}`;
    const body = writer.body();
    bodies.push(body);
    parts.push(`function ${name}() {\n${body}\n}`);
    names.push(name);
    writer = new FunctionWriter(layout, constants);
  };

  for (const step of design.combinationalSteps) {
    const offset = layout.offsets[step.slot];
    if (step.kind === 'assign') {
      const limbs = writer.expr(step.value);
      limbs.forEach((limb, k) => writer.line(`st[${offset + k}] = ${limb};`));
      writer.alias(offset, limbs);
    } else {
      const width = design.netlist.signals[step.slot].type.width;
      writer.open(`if (st[${layout.offsets[step.resetSlot]}] === ${step.activeBit})`);
      splitBits(step.init, width).forEach((limb, k) => writer.line(`st[${offset + k}] = ${limb};`));
      writer.close();
    }
    if (writer.size >= SETTLE_CHUNK_CHARACTERS) {
      flush();
    }
  }
  flush();
  return names;
}

/**
 * Writes the code that computes one domain's edge into locals and returns
 * the statements that store them. Registers come first, then read data,
 * then memory writes in port order, so the later port wins on a shared
 * address as in the interpreter.
 */
function prepareDomain(writer: FunctionWriter, domain: ClockDomain, layout: StateLayout): string[] {
  const commits: string[] = [];

  for (const register of domain.registers) {
    const { source } = register;
    const width = source.signal.type.width;
    const offset = layout.offsets[register.slot];
    const current = Array.from({ length: limbCount(width) }, (_, k) => `st[${offset + k}]`);
    const next = writer.declare(current.length);

    if (source.reset) {
      const resetOffset = layout.signalOffset(source.reset.signal);
      writer.open(`if (st[${resetOffset}] === ${source.reset.activeLow ? 0 : 1})`);
      writer.assign(next, splitBits(register.init, width).map(String));
      writer.otherwise();
    }
    if (source.enable) {
      writer.open(`if (${writer.expr(source.enable)[0]} !== 0)`);
      writer.assign(next, writer.expr(source.next));
      writer.otherwise();
      writer.assign(next, current);
      writer.close();
    } else {
      writer.assign(next, writer.expr(source.next));
    }
    if (source.reset) {
      writer.close();
    }
    next.forEach((name, k) => commits.push(`st[${offset + k}] = ${name};`));
  }

  for (const port of domain.readPorts) {
    const offset = layout.offsets[port.slot];
    const count = limbCount(port.memory.type.width);
    const data = writer.declare(count);
    if (port.source.enable) {
      writer.open(`if (${writer.expr(port.source.enable)[0]} !== 0)`);
      writer.assign(data, writer.memoryWord(port.memory, port.source.addr));
      writer.otherwise();
      writer.assign(data, Array.from({ length: count }, (_, k) => `st[${offset + k}]`));
      writer.close();
    } else {
      writer.assign(data, writer.memoryWord(port.memory, port.source.addr));
    }
    data.forEach((name, k) => commits.push(`st[${offset + k}] = ${name};`));
  }

  for (const port of domain.writePorts) {
    const { memory } = port;
    const count = limbCount(memory.type.width);
    const [enabled, index] = writer.declare(2);
    const data = writer.declare(count);
    writer.open(`if (${writer.expr(port.source.enable)[0]} !== 0)`);
    const address = writer.index(port.source.addr, memory.depth);
    if (!address.checked) {
      writer.open(`if (${address.value} < ${memory.depth})`);
    }
    writer.line(`${enabled} = 1;`);
    writer.line(`${index} = ${address.value};`);
    writer.assign(data, writer.expr(port.source.data));
    if (!address.checked) {
      writer.close();
    }
    writer.close();

    const words = layout.memoryName(memory);
    const stores = data.map((name, k) => `${words}[${count === 1 ? index : `${index} * ${count} + ${k}`}] = ${name};`);
    commits.push(`if (${enabled} !== 0) { ${stores.join(' ')} }`);
  }
  return commits;
}
