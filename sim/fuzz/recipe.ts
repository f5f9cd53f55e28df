// A fuzz recipe: a small, JSON-serializable description of one random design.
// The generator writes recipes, the builder turns them into DSL modules, and
// the shrinker edits them, so a design can be replayed, reduced and stored as
// a test case.
//
// Rules of the format:
// - Values are named by string references: an input id (`i0`), a register id
//   (`r0`), a node id (`n3`) or an instance output (`n3.o1`).
// - A node may use inputs, registers and earlier nodes only, so the design has
//   no combinational loop. Register next values and memory writes are
//   sequential and may use any value.
// - Integers that may exceed 53 bits (constants, memory words, stimulus
//   values) are decimal strings.
// - A recipe is always buildable: the builder repairs a missing reference or
//   an out-of-range parameter (see build.ts), so the shrinker can delete or
//   narrow anything.

/** A reference to a value: an input, register, node or instance output id. */
export type Ref = string;

export interface InputRecipe {
  readonly id: string;
  readonly width: number;
  readonly signed: boolean;
  /** Marks a reset input: the stimulus keeps it at the other level except for short pulses at this level. */
  readonly pulse?: 0 | 1;
  /** Marks a second clock input, which rises together with `clk` as the harness drives every clock input. */
  readonly clock?: true;
}

export type BinaryOpName =
  | 'add' | 'addWrap' | 'sub' | 'subWrap' | 'mul'
  | 'and' | 'or' | 'xor'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

export type UnaryOpName = 'neg' | 'not' | 'andR' | 'orR' | 'xorR' | 'asSigned' | 'asUnsigned';

/** One branch of a when chain: `value` is assigned under `cond`, then `nested` may override it. */
export interface BranchRecipe {
  readonly cond: Ref;
  readonly value?: Ref;
  readonly nested?: { readonly cond: Ref; readonly value: Ref };
}

/**
 * The assignments of a wire or register: `fallback` at top level, then a
 * chain of `when(cond)` / `elseWhen(cond)` branches and an `otherwise`.
 */
export interface AssignRecipe {
  readonly fallback?: Ref;
  readonly branches: readonly BranchRecipe[];
  readonly otherwise?: Ref;
}

interface NodeBase {
  readonly id: string;
  /** Also drive a named wire with the value, so it appears in the Verilog as a wire. */
  readonly wire?: boolean;
}

export type NodeRecipe = NodeBase & (
  /** `lit(value, type)`; with `inferred`, `lit(value)`, whose type is the smallest that can represent the value. */
  | { readonly op: 'const'; readonly width: number; readonly signed: boolean; readonly value: string; readonly inferred?: true }
  /** `b` is a reference, or `imm` a plain number operand (`a.add(5)`), which takes `a`'s signedness. */
  | { readonly op: BinaryOpName; readonly a: Ref; readonly b: Ref; readonly imm?: string }
  | { readonly op: UnaryOpName; readonly a: Ref }
  | { readonly op: 'shlConst' | 'shrConst'; readonly a: Ref; readonly amount: number }
  | { readonly op: 'shl' | 'shr'; readonly a: Ref; readonly b: Ref }
  | { readonly op: 'slice'; readonly a: Ref; readonly hi: number; readonly lo: number }
  | { readonly op: 'bit'; readonly a: Ref; readonly index: number }
  | { readonly op: 'resize' | 'trunc'; readonly a: Ref; readonly width: number }
  | { readonly op: 'cat'; readonly parts: readonly Ref[] }
  | { readonly op: 'mux'; readonly sel: Ref; readonly a: Ref; readonly b: Ref }
  | { readonly op: 'when'; readonly width: number; readonly signed: boolean; readonly assign: AssignRecipe }
  /** A memory read: synchronous (`read`, optionally under `cond` and with `enable`) or combinational (`readAsync`). */
  | {
    readonly op: 'read'; readonly memory: string; readonly addr: Ref; readonly sync: boolean;
    readonly enable?: Ref; readonly cond?: Ref; readonly clock?: Ref;
  }
  /** An instance of `children[child]`; `inputs` drives its ports, and `<id>.<port>` reads its outputs. */
  | { readonly op: 'instance'; readonly child: number; readonly inputs: Readonly<Record<string, Ref>> }
);

export type NodeOp = NodeRecipe['op'];

export interface ResetRecipe {
  /** A pulse input of this recipe. */
  readonly source: Ref;
  readonly async: boolean;
  readonly activeLow: boolean;
}

export interface RegisterRecipe {
  readonly id: string;
  readonly width: number;
  readonly signed: boolean;
  readonly init: string;
  readonly reset?: ResetRecipe;
  readonly enable?: Ref;
  /** A clock input of this recipe; the default is the module's `clk`. */
  readonly clock?: Ref;
  readonly next: AssignRecipe;
}

export interface WriteRecipe {
  readonly addr: Ref;
  readonly data: Ref;
  readonly enable?: Ref;
  /** Write inside `when(cond)`, so the enclosing condition becomes part of the write enable. */
  readonly cond?: Ref;
  readonly clock?: Ref;
}

export interface MemoryRecipe {
  readonly id: string;
  /** A ROM is declared with `m.rom` and has no write ports. */
  readonly rom: boolean;
  readonly width: number;
  readonly signed: boolean;
  readonly depth: number;
  /** Initial words (ROM contents), integers in the range of the word type. */
  readonly init: readonly string[];
  readonly writes: readonly WriteRecipe[];
}

export interface OutputRecipe {
  readonly id: string;
  /** Any value, or an earlier output. */
  readonly ref: Ref;
}

export interface Recipe {
  readonly name: string;
  readonly inputs: readonly InputRecipe[];
  readonly registers: readonly RegisterRecipe[];
  readonly memories: readonly MemoryRecipe[];
  readonly nodes: readonly NodeRecipe[];
  readonly outputs: readonly OutputRecipe[];
  /** Child designs placed by `instance` nodes; a child has no children itself. */
  readonly children: readonly Recipe[];
}

/** Returns every reference a node reads, in a fixed order. */
export function nodeRefs(node: NodeRecipe): Ref[] {
  switch (node.op) {
    case 'const':
      return [];
    case 'neg': case 'not': case 'andR': case 'orR': case 'xorR': case 'asSigned': case 'asUnsigned':
    case 'shlConst': case 'shrConst': case 'slice': case 'bit': case 'resize': case 'trunc':
      return [node.a];
    case 'shl': case 'shr':
      return [node.a, node.b];
    case 'cat':
      return [...node.parts];
    case 'mux':
      return [node.sel, node.a, node.b];
    case 'when':
      return assignRefs(node.assign);
    case 'read':
      return [node.addr, ...[node.enable, node.cond, node.clock].filter((ref) => ref !== undefined)];
    case 'instance':
      return Object.values(node.inputs);
    default:
      return node.imm === undefined ? [node.a, node.b] : [node.a];
  }
}

export function assignRefs(assign: AssignRecipe): Ref[] {
  const refs: Ref[] = [];
  if (assign.fallback) {
    refs.push(assign.fallback);
  }
  for (const branch of assign.branches) {
    refs.push(branch.cond);
    if (branch.value) {
      refs.push(branch.value);
    }
    if (branch.nested) {
      refs.push(branch.nested.cond, branch.nested.value);
    }
  }
  if (assign.otherwise) {
    refs.push(assign.otherwise);
  }
  return refs;
}

/** Returns the id of the node, register or input that a reference names (`n3.o1` names `n3`). */
export function refOwner(ref: Ref): string {
  const dot = ref.indexOf('.');
  return dot < 0 ? ref : ref.slice(0, dot);
}

/**
 * Returns every distinct operator name in a recipe and its children. A read
 * is `read` or `readAsync`; `immediate` and `inferredLit` mark plain-number
 * operands and untyped literals.
 */
export function recipeOps(recipe: Recipe): Set<string> {
  const ops = new Set<string>();
  const visit = (r: Recipe): void => {
    for (const node of r.nodes) {
      if (node.op === 'read') {
        ops.add(node.sync ? 'read' : 'readAsync');
      } else {
        ops.add(node.op);
      }
      if ('imm' in node && node.imm !== undefined) {
        ops.add('immediate');
      }
      if (node.op === 'const' && node.inferred) {
        ops.add('inferredLit');
      }
    }
    r.children.forEach(visit);
  };
  visit(recipe);
  return ops;
}
