// Shrinks a failing fuzz case to a small one that still fails.
//
// Greedy reduction: candidates are tried from the coarsest (drop half the
// nodes) to the finest (narrow one input), and the first candidate that
// still fails becomes the new case. Each accepted step starts the candidate
// list again; the search stops when no candidate fails or the check budget
// is spent. "Still fails" is decided by the caller's predicate, usually
// "the two simulators still disagree" (see `sameFailure`).
//
// Every candidate is a valid recipe, because the builder repairs deleted
// references and out-of-range parameters (see build.ts). The stimulus is
// cut after the failing cycle first, then shortened from the front.

import type { Stimulus } from '../stimulus.ts';
import { wrapToType } from './build.ts';
import type { FuzzCase, Outcome } from './check.ts';
import type { AssignRecipe, MemoryRecipe, NodeRecipe, Recipe, Ref, RegisterRecipe } from './recipe.ts';
import { assignRefs, nodeRefs, refOwner } from './recipe.ts';

export interface ShrinkResult {
  readonly fuzzCase: FuzzCase;
  readonly outcome: Outcome;
  /** Candidates checked, and how many of them still failed and were kept. */
  readonly checks: number;
  readonly steps: number;
  /** False when the budget ran out before no candidate failed any more. */
  readonly complete: boolean;
}

export interface ShrinkOptions {
  /** Maximum number of candidates to check (default 600). */
  readonly maxChecks?: number;
  /** Called after each accepted step, for progress output. */
  readonly onStep?: (fuzzCase: FuzzCase, checks: number) => void;
}

/** Returns whether `outcome` is the same kind of failure as `original`: a mismatch, or an error of the same stage. */
export function sameFailure(original: Outcome, outcome: Outcome): boolean {
  if (original.kind === 'mismatch') {
    return outcome.kind === 'mismatch';
  }
  if (original.kind === 'error') {
    return outcome.kind === 'error' && outcome.stage === original.stage;
  }
  return false;
}

/**
 * Shrinks `start`, whose check gave the failing `outcome`, with `check`
 * deciding each candidate; a candidate is kept when `sameFailure` holds.
 */
export function shrinkCase(start: FuzzCase, outcome: Outcome, check: (fuzzCase: FuzzCase) => Outcome, options: ShrinkOptions = {}): ShrinkResult {
  const maxChecks = options.maxChecks ?? 600;
  let current = start;
  let currentOutcome = outcome;
  let checks = 0;
  let steps = 0;

  const tryCandidate = (candidate: FuzzCase): boolean => {
    checks++;
    const result = check(candidate);
    if (!sameFailure(outcome, result)) {
      return false;
    }
    current = candidate;
    currentOutcome = result;
    steps++;
    options.onStep?.(current, checks);
    return true;
  };

  for (;;) {
    let progressed = false;
    for (const candidate of candidates(current, currentOutcome)) {
      if (checks >= maxChecks) {
        return { fuzzCase: { ...current, recipe: wrapValues(current.recipe) }, outcome: currentOutcome, checks, steps, complete: false };
      }
      if (tryCandidate(candidate)) {
        progressed = true;
        break;
      }
    }
    if (!progressed) {
      return { fuzzCase: { ...current, recipe: wrapValues(current.recipe) }, outcome: currentOutcome, checks, steps, complete: true };
    }
  }
}

/** Writes every constant, register init and memory word as the value the builder wraps it to, so a case file reads plainly. */
export function wrapValues(recipe: Recipe): Recipe {
  const wrap = (value: string, width: number, signed: boolean): string => wrapToType(BigInt(value), { width: Math.max(1, width), signed }).toString();
  return {
    ...recipe,
    registers: recipe.registers.map((r) => ({ ...r, init: wrap(r.init, r.width, r.signed) })),
    memories: recipe.memories.map((m) => ({ ...m, init: m.init.map((word) => wrap(word, m.width, m.signed)) })),
    nodes: recipe.nodes.map((node) => (node.op === 'const' ? { ...node, value: wrap(node.value, node.width, node.signed) } : node)),
    children: recipe.children.map(wrapValues),
  };
}

// ---- candidates ----

function* candidates(current: FuzzCase, outcome: Outcome): Generator<FuzzCase> {
  const { recipe, stimulus } = current;
  const withRecipe = (r: Recipe): FuzzCase => ({ recipe: r, stimulus });

  // The cycles after the failing one cannot matter.
  if (outcome.kind === 'mismatch' && stimulus.cycles.length > outcome.mismatch.cycle + 1) {
    yield { recipe, stimulus: { cycles: stimulus.cycles.slice(0, outcome.mismatch.cycle + 1) } };
  }
  const pruned = prune(recipe);
  if (JSON.stringify(pruned) !== JSON.stringify(recipe)) {
    yield withRecipe(pruned);
  }
  if (outcome.kind === 'mismatch' && recipe.outputs.length > 1) {
    const failing = recipe.outputs.filter((output) => output.id === outcome.mismatch.signal);
    if (failing.length === 1) {
      yield withRecipe(prune({ ...recipe, outputs: failing }));
    }
  }
  for (const cycles of shorterStimuli(stimulus)) {
    yield { recipe, stimulus: cycles };
  }
  for (const r of recipeCandidates(recipe)) {
    yield withRecipe(r);
  }
  for (const s of simplerStimuli(recipe, stimulus)) {
    yield { recipe, stimulus: s };
  }
}

/** Drops chunks of cycles from the front: half, a quarter, ..., one. */
function* shorterStimuli(stimulus: Stimulus): Generator<Stimulus> {
  const length = stimulus.cycles.length;
  for (let chunk = Math.floor(length / 2); chunk >= 1; chunk = Math.floor(chunk / 2)) {
    for (let start = 0; start + chunk < length; start += chunk) {
      yield { cycles: [...stimulus.cycles.slice(0, start), ...stimulus.cycles.slice(start + chunk)] };
    }
  }
}

/** Sets one input to 0 in every cycle, then one value at a time to 0. */
function* simplerStimuli(recipe: Recipe, stimulus: Stimulus): Generator<Stimulus> {
  for (const input of recipe.inputs) {
    if (input.pulse !== undefined) {
      continue;
    }
    if (stimulus.cycles.some((cycle) => (cycle[input.id] ?? 0n) !== 0n)) {
      yield { cycles: stimulus.cycles.map((cycle) => ({ ...cycle, [input.id]: 0n })) };
    }
  }
  for (let index = 0; index < stimulus.cycles.length; index++) {
    for (const input of recipe.inputs) {
      const value = stimulus.cycles[index][input.id];
      if (input.pulse === undefined && value !== undefined && value !== 0n) {
        const cycles = stimulus.cycles.slice();
        cycles[index] = { ...cycles[index], [input.id]: 0n };
        yield { cycles };
      }
    }
  }
}

function without<T>(items: readonly T[], start: number, count = 1): T[] {
  return [...items.slice(0, start), ...items.slice(start + count)];
}

function replaceAt<T>(items: readonly T[], index: number, item: T): T[] {
  const copy = items.slice();
  copy[index] = item;
  return copy;
}

/** Yields smaller variants of a recipe, coarse ones first, each pruned of dead logic. */
function* recipeCandidates(recipe: Recipe): Generator<Recipe> {
  const emit = (r: Recipe): Recipe => prune(r);

  // Drop chunks of nodes, the largest first.
  for (let chunk = Math.floor(recipe.nodes.length / 2); chunk >= 1; chunk = Math.floor(chunk / 2)) {
    for (let start = recipe.nodes.length - chunk; start >= 0; start -= chunk) {
      yield emit({ ...recipe, nodes: without(recipe.nodes, start, chunk) });
    }
  }
  for (let i = 0; i < recipe.outputs.length && recipe.outputs.length > 1; i++) {
    yield emit({ ...recipe, outputs: without(recipe.outputs, i) });
  }
  for (let i = 0; i < recipe.registers.length; i++) {
    yield emit({ ...recipe, registers: without(recipe.registers, i) });
  }
  for (let i = 0; i < recipe.memories.length; i++) {
    yield emit({ ...recipe, memories: without(recipe.memories, i) });
  }
  for (let i = 0; i < recipe.children.length; i++) {
    for (const child of recipeCandidates(recipe.children[i])) {
      yield { ...recipe, children: replaceAt(recipe.children, i, child) };
    }
  }
  yield* hoistedNodes(recipe);
  yield* hoistedOutputs(recipe);
  for (let i = 0; i < recipe.inputs.length; i++) {
    yield emit({ ...recipe, inputs: without(recipe.inputs, i) });
  }
  for (const r of simplerRegisters(recipe)) {
    yield emit(r);
  }
  for (const r of simplerMemories(recipe)) {
    yield emit(r);
  }
  for (let i = 0; i < recipe.nodes.length; i++) {
    for (const node of simplerNodes(recipe.nodes[i])) {
      yield emit({ ...recipe, nodes: replaceAt(recipe.nodes, i, node) });
    }
  }
  for (let i = 0; i < recipe.inputs.length; i++) {
    const input = recipe.inputs[i];
    for (const width of narrowerWidths(input.width)) {
      yield { ...recipe, inputs: replaceAt(recipe.inputs, i, { ...input, width }) };
    }
    if (input.signed) {
      yield { ...recipe, inputs: replaceAt(recipe.inputs, i, { ...input, signed: false }) };
    }
  }
}

/** Returns the narrower widths to try: 1, half and one less. */
function narrowerWidths(width: number): number[] {
  return [...new Set([1, Math.floor(width / 2), width - 1])].filter((w) => w >= 1 && w < width);
}

/** Replaces every use of a node by one of its operands, which leaves the node dead. */
function* hoistedNodes(recipe: Recipe): Generator<Recipe> {
  for (let i = recipe.nodes.length - 1; i >= 0; i--) {
    const node = recipe.nodes[i];
    const operands = [...new Set(nodeRefs(node))];
    for (const operand of operands) {
      yield prune(renameRefs(recipe, (ref) => (refOwner(ref) === node.id ? operand : ref)));
    }
  }
}

/** Points one output at an operand of the node it reads, leaving other uses of that node alone. */
function* hoistedOutputs(recipe: Recipe): Generator<Recipe> {
  for (let i = 0; i < recipe.outputs.length; i++) {
    const output = recipe.outputs[i];
    const node = recipe.nodes.find((n) => n.id === refOwner(output.ref));
    if (!node) {
      continue;
    }
    for (const operand of new Set(nodeRefs(node))) {
      yield prune({ ...recipe, outputs: replaceAt(recipe.outputs, i, { ...output, ref: operand }) });
    }
  }
}

function* simplerAssigns(assign: AssignRecipe): Generator<AssignRecipe> {
  if (assign.branches.length > 0) {
    yield { fallback: assign.fallback ?? assign.otherwise, branches: [] };
    const firstValue = assign.branches.find((branch) => branch.value !== undefined)?.value;
    if (firstValue !== undefined) {
      yield { fallback: firstValue, branches: [] };
    }
  }
  for (let i = 0; i < assign.branches.length; i++) {
    yield { ...assign, branches: without(assign.branches, i) };
    const branch = assign.branches[i];
    if (branch.nested) {
      yield { ...assign, branches: replaceAt(assign.branches, i, { ...branch, nested: undefined }) };
    }
  }
  if (assign.otherwise !== undefined) {
    yield { ...assign, otherwise: undefined };
  }
  if (assign.fallback !== undefined) {
    yield { ...assign, fallback: undefined };
  }
}

function* simplerRegisters(recipe: Recipe): Generator<Recipe> {
  for (let i = 0; i < recipe.registers.length; i++) {
    const register = recipe.registers[i];
    const variants: RegisterRecipe[] = [];
    if (register.reset) {
      variants.push({ ...register, reset: undefined });
      if (register.reset.async) {
        variants.push({ ...register, reset: { ...register.reset, async: false } });
      }
    }
    if (register.enable !== undefined) {
      variants.push({ ...register, enable: undefined });
    }
    if (register.clock !== undefined) {
      variants.push({ ...register, clock: undefined });
    }
    if (register.init !== '0') {
      variants.push({ ...register, init: '0' });
    }
    for (const next of simplerAssigns(register.next)) {
      variants.push({ ...register, next });
    }
    for (const width of narrowerWidths(register.width)) {
      variants.push({ ...register, width });
    }
    if (register.signed) {
      variants.push({ ...register, signed: false });
    }
    for (const variant of variants) {
      yield { ...recipe, registers: replaceAt(recipe.registers, i, variant) };
    }
  }
}

function* simplerMemories(recipe: Recipe): Generator<Recipe> {
  for (let i = 0; i < recipe.memories.length; i++) {
    const memory = recipe.memories[i];
    const variants: MemoryRecipe[] = [];
    for (let w = 0; w < memory.writes.length; w++) {
      variants.push({ ...memory, writes: without(memory.writes, w) });
      const write = memory.writes[w];
      if (write.cond !== undefined) {
        variants.push({ ...memory, writes: replaceAt(memory.writes, w, { ...write, cond: undefined }) });
      }
      if (write.enable !== undefined) {
        variants.push({ ...memory, writes: replaceAt(memory.writes, w, { ...write, enable: undefined }) });
      }
      if (write.clock !== undefined) {
        variants.push({ ...memory, writes: replaceAt(memory.writes, w, { ...write, clock: undefined }) });
      }
    }
    if (memory.depth > 1) {
      variants.push({ ...memory, depth: Math.ceil(memory.depth / 2) }, { ...memory, depth: memory.depth - 1 });
    }
    if (memory.init.length > 0 && !memory.rom) {
      variants.push({ ...memory, init: [] });
    }
    for (let w = 0; w < memory.init.length; w++) {
      if (memory.init[w] !== '0') {
        variants.push({ ...memory, init: replaceAt(memory.init, w, '0') });
      }
    }
    for (const width of narrowerWidths(memory.width)) {
      variants.push({ ...memory, width });
    }
    if (memory.signed) {
      variants.push({ ...memory, signed: false });
    }
    if (memory.rom && memory.writes.length === 0) {
      variants.push({ ...memory, rom: false });
    }
    for (const variant of variants) {
      yield { ...recipe, memories: replaceAt(recipe.memories, i, variant) };
    }
  }
}

/** Yields simpler forms of one node: fewer parts, smaller parameters, no wire. */
function* simplerNodes(node: NodeRecipe): Generator<NodeRecipe> {
  if (node.wire) {
    yield { ...node, wire: undefined };
  }
  switch (node.op) {
    case 'const':
      if (node.inferred) {
        yield { ...node, inferred: undefined };
      }
      for (const value of ['0', '1', '-1']) {
        if (node.value !== value) {
          yield { ...node, value };
        }
      }
      for (const width of narrowerWidths(node.width)) {
        yield { ...node, width };
      }
      if (node.signed) {
        yield { ...node, signed: false };
      }
      break;
    case 'cat':
      for (let i = 0; i < node.parts.length && node.parts.length > 1; i++) {
        yield { ...node, parts: without(node.parts, i) };
      }
      break;
    case 'shlConst': case 'shrConst':
      if (node.amount > 0) {
        yield { ...node, amount: 0 };
        yield { ...node, amount: node.amount - 1 };
      }
      break;
    case 'slice':
      if (node.lo > 0) {
        yield { ...node, lo: 0, hi: node.hi - node.lo };
      }
      if (node.hi > node.lo) {
        yield { ...node, hi: node.lo };
      }
      break;
    case 'bit':
      if (node.index > 0) {
        yield { ...node, index: 0 };
      }
      break;
    case 'resize':
      for (const width of narrowerWidths(node.width)) {
        yield { ...node, width };
      }
      break;
    case 'trunc':
      for (const width of narrowerWidths(node.width)) {
        yield { ...node, width };
      }
      break;
    case 'when':
      for (const assign of simplerAssigns(node.assign)) {
        yield { ...node, assign };
      }
      for (const width of narrowerWidths(node.width)) {
        yield { ...node, width };
      }
      if (node.signed) {
        yield { ...node, signed: false };
      }
      break;
    case 'read':
      if (node.sync) {
        yield { ...node, sync: false, enable: undefined, cond: undefined };
      }
      if (node.enable !== undefined) {
        yield { ...node, enable: undefined };
      }
      if (node.cond !== undefined) {
        yield { ...node, cond: undefined };
      }
      if (node.clock !== undefined) {
        yield { ...node, clock: undefined };
      }
      break;
    case 'neg': case 'not': case 'andR': case 'orR': case 'xorR': case 'asSigned': case 'asUnsigned':
    case 'shl': case 'shr': case 'mux': case 'instance':
      break;
    default:
      if (node.imm !== undefined && node.imm !== '0' && node.imm !== '1') {
        yield { ...node, imm: '1' };
      }
      break;
  }
}

// ---- references and dead logic ----

function renameAssign(assign: AssignRecipe, rename: (ref: Ref) => Ref): AssignRecipe {
  return {
    fallback: assign.fallback === undefined ? undefined : rename(assign.fallback),
    branches: assign.branches.map((branch) => ({
      cond: rename(branch.cond),
      value: branch.value === undefined ? undefined : rename(branch.value),
      nested: branch.nested ? { cond: rename(branch.nested.cond), value: rename(branch.nested.value) } : undefined,
    })),
    otherwise: assign.otherwise === undefined ? undefined : rename(assign.otherwise),
  };
}

function renameNode(node: NodeRecipe, rename: (ref: Ref) => Ref): NodeRecipe {
  const optional = (ref: Ref | undefined): Ref | undefined => (ref === undefined ? undefined : rename(ref));
  switch (node.op) {
    case 'const':
      return node;
    case 'cat':
      return { ...node, parts: node.parts.map(rename) };
    case 'mux':
      return { ...node, sel: rename(node.sel), a: rename(node.a), b: rename(node.b) };
    case 'when':
      return { ...node, assign: renameAssign(node.assign, rename) };
    case 'read':
      return { ...node, addr: rename(node.addr), enable: optional(node.enable), cond: optional(node.cond), clock: optional(node.clock) };
    case 'instance':
      return { ...node, inputs: Object.fromEntries(Object.entries(node.inputs).map(([port, ref]) => [port, rename(ref)])) };
    case 'neg': case 'not': case 'andR': case 'orR': case 'xorR': case 'asSigned': case 'asUnsigned':
    case 'shlConst': case 'shrConst': case 'slice': case 'bit': case 'resize': case 'trunc':
      return { ...node, a: rename(node.a) };
    default:
      return { ...node, a: rename(node.a), b: rename(node.b) };
  }
}

/** Rewrites every reference of a recipe (not of its children) with `rename`. */
export function renameRefs(recipe: Recipe, rename: (ref: Ref) => Ref): Recipe {
  return {
    ...recipe,
    registers: recipe.registers.map((register) => ({
      ...register,
      enable: register.enable === undefined ? undefined : rename(register.enable),
      clock: register.clock === undefined ? undefined : rename(register.clock),
      next: renameAssign(register.next, rename),
    })),
    memories: recipe.memories.map((memory) => ({
      ...memory,
      writes: memory.writes.map((write) => ({
        addr: rename(write.addr),
        data: rename(write.data),
        enable: write.enable === undefined ? undefined : rename(write.enable),
        cond: write.cond === undefined ? undefined : rename(write.cond),
        clock: write.clock === undefined ? undefined : rename(write.clock),
      })),
    })),
    nodes: recipe.nodes.map((node) => renameNode(node, rename)),
    outputs: recipe.outputs.map((output) => ({ ...output, ref: rename(output.ref) })),
  };
}

/**
 * Removes what no output can observe: nodes, registers and memories that no
 * live value reads, children no instance uses, and inputs nothing reads.
 * Reset inputs stay while a live register or a child instance uses them.
 */
export function prune(recipe: Recipe): Recipe {
  const live = new Set<string>();
  const pending: Ref[] = recipe.outputs.map((output) => output.ref);
  const nodes = new Map(recipe.nodes.map((node) => [node.id, node]));
  const registers = new Map(recipe.registers.map((register) => [register.id, register]));
  const memories = new Map(recipe.memories.map((memory) => [memory.id, memory]));

  const mark = (id: string, refs: readonly Ref[]): void => {
    if (!live.has(id)) {
      live.add(id);
      pending.push(...refs);
    }
  };
  while (pending.length > 0) {
    const owner = refOwner(pending.pop() as Ref);
    const node = nodes.get(owner);
    const register = registers.get(owner);
    if (node) {
      const refs = nodeRefs(node);
      if (node.op === 'read') {
        const memory = memories.get(node.memory);
        if (memory) {
          mark(memory.id, memory.writes.flatMap((w) => [w.addr, w.data, ...[w.enable, w.cond, w.clock].filter((ref) => ref !== undefined)]));
        }
      }
      mark(owner, refs);
    } else if (register) {
      const refs = assignRefs(register.next);
      if (register.enable !== undefined) {
        refs.push(register.enable);
      }
      if (register.reset) {
        refs.push(register.reset.source);
      }
      if (register.clock !== undefined) {
        refs.push(register.clock);
      }
      mark(owner, refs);
    } else {
      live.add(owner);
    }
  }

  const liveNodes = recipe.nodes.filter((node) => live.has(node.id)).map((node) => withoutMissingPorts(node, recipe.children));
  // Unused children go, and instance nodes are renumbered to the children that stay.
  const usedChildren = [...new Set(liveNodes.flatMap((node) => (node.op === 'instance' ? [node.child] : [])))].sort((a, b) => a - b);
  const kept: Recipe = {
    ...recipe,
    inputs: recipe.inputs.filter((input) => live.has(input.id)),
    registers: recipe.registers.filter((register) => live.has(register.id)),
    memories: recipe.memories.filter((memory) => live.has(memory.id)),
    nodes: liveNodes.map((node) => (node.op === 'instance' ? { ...node, child: usedChildren.indexOf(node.child) } : node)),
    children: usedChildren.map((index) => recipe.children[index]),
  };
  return renameRefs(kept, (ref) => (resolves(kept, ref) ? ref : ZERO_REF));
}

/** The reference that a recipe writes for a value that reads as zero: it names nothing, so the builder reads UInt(1) 0. */
export const ZERO_REF = 'zero';

/** Returns whether `ref` names an input, register, node, instance output or output of `recipe`. */
function resolves(recipe: Recipe, ref: Ref): boolean {
  const owner = refOwner(ref);
  const named = (items: readonly { id: string }[]): boolean => items.some((item) => item.id === owner);
  if (named(recipe.inputs) || named(recipe.registers) || named(recipe.outputs)) {
    return ref === owner;
  }
  const node = recipe.nodes.find((n) => n.id === owner);
  if (!node) {
    return false;
  }
  if (node.op !== 'instance' || ref === owner) {
    return ref === owner;
  }
  const port = ref.slice(owner.length + 1);
  return recipe.children[node.child]?.outputs.some((output) => output.id === port) ?? false;
}

/** Drops the connections of an instance node to ports its child no longer has. */
function withoutMissingPorts(node: NodeRecipe, children: readonly Recipe[]): NodeRecipe {
  if (node.op !== 'instance') {
    return node;
  }
  const child = children[node.child];
  const ports = new Set(child ? child.inputs.map((input) => input.id) : []);
  return { ...node, inputs: Object.fromEntries(Object.entries(node.inputs).filter(([port]) => ports.has(port))) };
}
