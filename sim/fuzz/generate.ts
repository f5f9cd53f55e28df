// The seeded random design generator of the differential fuzzer. One seed
// gives one recipe (see recipe.ts), always the same one.
//
// What a design contains, so that every DSL construct is exercised:
// - Data inputs of widths 1 to 130, signed and unsigned, with a bias towards
//   the widths where arithmetic changes behaviour (1, 7, 8, 31-33, 53, 63-65,
//   127-130), and reset inputs that pulse now and then.
// - Nodes for every DSL operator, and constants at the minimum, maximum, 0,
//   1 and -1 of their type. Plain-number operands. Shifts by constants and
//   by signals whose amounts reach and pass the width. Slices, bits and
//   concatenations of signed values. Muxes, when/elseWhen/otherwise wires
//   (some nested) and named wires. Synchronous and combinational memory
//   reads, and sometimes an instance (or two) of a generated child module.
// - Registers with no reset and with synchronous or asynchronous, active-high
//   or active-low resets, some with enables, assigned through when chains.
//   Some registers and memory ports use a second clock input, which the
//   harness raises together with `clk`.
// - RAMs with one write port (sometimes under a when and with an enable) and
//   ROMs, at depths that are and are not powers of two.
// No value wider than 130 bits feeds another operator: a wider result (of mul
// or a long concatenation, say) is truncated or sliced by the next node.

import type { Type, Value } from '../../dsl/index.ts';
import { maxValue, minValue } from '../../dsl/types.ts';
import { RandomValues } from '../stimulus.ts';
import { RecipeBuilder, wrapToType } from './build.ts';
import type {
  AssignRecipe, BinaryOpName, BranchRecipe, InputRecipe, MemoryRecipe, NodeRecipe, OutputRecipe, Recipe, Ref,
  RegisterRecipe, UnaryOpName, WriteRecipe,
} from './recipe.ts';
import { nodeRefs, refOwner } from './recipe.ts';

export const MAX_WIDTH = 130;

const EDGE_WIDTHS = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 52, 53, 54, 63, 64, 65, 127, 128, 129, 130];

const BINARY_OPS: readonly BinaryOpName[] = [
  'add', 'addWrap', 'sub', 'subWrap', 'mul', 'and', 'or', 'xor', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
];

const UNARY_OPS: readonly UnaryOpName[] = ['neg', 'not', 'andR', 'orR', 'xorR', 'asSigned', 'asUnsigned'];

/** Relative weights of the node kinds the generator draws. */
const NODE_WEIGHTS: readonly (readonly [string, number])[] = [
  ['const', 6], ['binary', 30], ['unary', 10], ['shlConst', 4], ['shrConst', 4], ['shl', 5], ['shr', 5],
  ['slice', 5], ['bit', 3], ['resize', 4], ['trunc', 3], ['cat', 5], ['mux', 6], ['when', 5], ['read', 6],
  ['instance', 3],
];

export interface GenerateOptions {
  /** Maximum number of nodes in the top-level design (default 28). */
  readonly maxNodes?: number;
  /** Allow a child module instance (default true). */
  readonly children?: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface PoolEntry {
  readonly ref: Ref;
  readonly type: Type;
}

class RecipeGenerator {
  private readonly random: RandomValues;
  private readonly recipe: Mutable<Recipe>;
  private readonly pool: PoolEntry[] = [];
  private builder!: RecipeBuilder;
  private nodeCount = 0;

  constructor(seed: number, private readonly name: string, private readonly options: GenerateOptions) {
    this.random = new RandomValues(seed);
    this.recipe = { name, inputs: [], registers: [], memories: [], nodes: [], outputs: [], children: [] };
  }

  generate(): Recipe {
    const r = this.random;
    const recipe = this.recipe;
    const maxNodes = this.options.maxNodes ?? 28;

    if ((this.options.children ?? true) && r.integer(0, 3) === 0) {
      const child = new RecipeGenerator(r.integer(0, 0x7fffffff), `${this.name}_child`, { maxNodes: 10, children: false });
      recipe.children = [child.generate()];
    }

    recipe.inputs = this.makeInputs();
    recipe.registers = this.makeRegisters();
    recipe.memories = this.makeMemories();

    this.builder = new RecipeBuilder(recipe);
    this.builder.declare();
    for (const input of recipe.inputs.filter((i) => !i.clock)) {
      this.pool.push({ ref: input.id, type: { width: input.pulse === undefined ? input.width : 1, signed: input.pulse === undefined && input.signed } });
    }
    for (const register of recipe.registers) {
      this.pool.push({ ref: register.id, type: { width: register.width, signed: register.signed } });
    }

    const nodes = r.integer(3, maxNodes);
    const nodeList: NodeRecipe[] = [];
    recipe.nodes = nodeList;
    for (let i = 0; i < nodes; i++) {
      this.addRandomNode(nodeList);
    }

    recipe.registers = recipe.registers.map((register) => ({
      ...register,
      enable: register.enable === undefined ? undefined : this.pickBool(),
      next: this.makeAssign(),
    }));
    recipe.memories = recipe.memories.map((memory) => ({ ...memory, writes: memory.rom ? [] : this.makeWrites(memory) }));
    recipe.outputs = this.makeOutputs();
    return recipe;
  }

  // ---- random choices ----

  private chance(percent: number): boolean {
    return this.random.integer(0, 99) < percent;
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.random.integer(0, items.length - 1)];
  }

  private width(max = MAX_WIDTH): number {
    const edges = EDGE_WIDTHS.filter((w) => w <= max);
    return this.chance(60) ? this.pick(edges) : this.random.integer(1, max);
  }

  /** Returns a value of `type` as a decimal string, half of the time an edge value (min, max, 0, 1, -1). */
  private randomValueText(type: Type): string {
    if (this.chance(50)) {
      const edges = [minValue(type), maxValue(type), 0n, 1n, -1n, maxValue(type) - 1n, minValue(type) + 1n]
        .filter((v) => v >= minValue(type) && v <= maxValue(type));
      return this.pick(edges).toString();
    }
    return this.random.value(type).toString();
  }

  /** Picks a pool entry, more often one of the most recent, so expressions grow deep. */
  private pickEntry(filter?: (entry: PoolEntry) => boolean): PoolEntry {
    const candidates = filter ? this.pool.filter(filter) : this.pool;
    const from = candidates.length > 0 ? candidates : this.pool;
    if (this.chance(50)) {
      return from[this.random.integer(Math.max(0, from.length - 4), from.length - 1)];
    }
    return this.pick(from);
  }

  private pickRef(): Ref {
    return this.pickEntry().ref;
  }

  /** Picks a one-bit value most of the time; the builder turns a wider one into orR(). */
  private pickBool(): Ref {
    return this.chance(75) ? this.pickEntry((e) => e.type.width === 1).ref : this.pickRef();
  }

  // ---- declarations ----

  private makeInputs(): InputRecipe[] {
    const inputs: InputRecipe[] = [];
    const data = this.random.integer(1, 5);
    for (let i = 0; i < data; i++) {
      inputs.push({ id: `i${inputs.length}`, width: this.width(), signed: this.chance(50) });
    }
    // A narrow input makes signal shift amounts that reach the width of most operands.
    if (this.chance(60)) {
      inputs.push({ id: `i${inputs.length}`, width: this.random.integer(2, 9), signed: false });
    }
    const resets = this.random.integer(0, 2);
    for (let i = 0; i < resets; i++) {
      inputs.push({ id: `i${inputs.length}`, width: 1, signed: false, pulse: this.chance(50) ? 1 : 0 });
    }
    if (this.chance(25)) {
      inputs.push({ id: `i${inputs.length}`, width: 1, signed: false, clock: true });
    }
    return inputs;
  }

  /** Picks the second clock input for about a third of the sequential elements, where there is one. */
  private pickClock(): Ref | undefined {
    const clock = this.recipe.inputs.find((input) => input.clock);
    return clock && this.chance(35) ? clock.id : undefined;
  }

  private makeRegisters(): RegisterRecipe[] {
    const pulses = this.recipe.inputs.filter((input) => input.pulse !== undefined);
    const registers: RegisterRecipe[] = [];
    const count = this.random.integer(0, 4);
    for (let i = 0; i < count; i++) {
      const type = { width: this.width(), signed: this.chance(50) };
      let reset: RegisterRecipe['reset'];
      if (pulses.length > 0 && this.chance(75)) {
        const source = this.pick(pulses);
        // Mostly the polarity the stimulus pulses; sometimes the other, which keeps the register in reset.
        const activeLow = this.chance(90) ? source.pulse === 0 : source.pulse === 1;
        reset = { source: source.id, async: this.chance(50), activeLow };
      }
      registers.push({
        id: `r${i}`,
        width: type.width,
        signed: type.signed,
        init: this.randomValueText(type),
        reset,
        enable: this.chance(35) ? 'pending' : undefined,
        clock: this.pickClock(),
        next: { branches: [] },
      });
    }
    return registers;
  }

  private makeMemories(): MemoryRecipe[] {
    const memories: MemoryRecipe[] = [];
    const count = this.pick([0, 0, 1, 1, 2]);
    for (let i = 0; i < count; i++) {
      const rom = this.chance(40);
      const type = { width: this.width(this.chance(70) ? 40 : MAX_WIDTH), signed: this.chance(50) };
      const depth = this.pick([1, 2, 3, 4, 5, 7, 8, 9, 16, 17]);
      const words = rom ? this.random.integer(1, depth) : this.random.integer(0, depth);
      const init: string[] = [];
      for (let w = 0; w < words; w++) {
        init.push(this.randomValueText(type));
      }
      memories.push({ id: `m${i}`, rom, width: type.width, signed: type.signed, depth, init, writes: [] });
    }
    return memories;
  }

  // ---- nodes ----

  private nextId(): string {
    return `n${this.nodeCount++}`;
  }

  private push(nodes: NodeRecipe[], node: NodeRecipe): Value {
    nodes.push(node);
    return this.builder.addNode(node);
  }

  private addRandomNode(nodes: NodeRecipe[]): void {
    const node = this.randomNode(nodes);
    if (!node) {
      return;
    }
    const value = this.push(nodes, node);
    if (node.op === 'instance') {
      for (const output of this.instanceOutputs(node)) {
        const outputValue = this.builder.lookup(output) as Value;
        this.addToPool(nodes, output, outputValue.type);
      }
      return;
    }
    this.addToPool(nodes, node.id, value.type);
  }

  /** Adds a value to the pool, first narrowing it with a trunc or slice node when it is wider than MAX_WIDTH. */
  private addToPool(nodes: NodeRecipe[], ref: Ref, type: Type): void {
    if (type.width <= MAX_WIDTH) {
      this.pool.push({ ref, type });
      return;
    }
    const width = this.width();
    const id = this.nextId();
    const narrowed: NodeRecipe = this.chance(50)
      ? { id, op: 'trunc', a: ref, width }
      : { id, op: 'slice', a: ref, hi: type.width - 1, lo: type.width - width };
    const value = this.push(nodes, narrowed);
    this.pool.push({ ref: id, type: value.type });
  }

  private instanceOutputs(node: Extract<NodeRecipe, { op: 'instance' }>): Ref[] {
    const child = this.recipe.children[node.child];
    return child.outputs.map((output) => `${node.id}.${output.id}`);
  }

  private randomNode(nodes: NodeRecipe[]): NodeRecipe | undefined {
    const total = NODE_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
    let draw = this.random.integer(0, total - 1);
    let kind = NODE_WEIGHTS[0][0];
    for (const [name, weight] of NODE_WEIGHTS) {
      if (draw < weight) {
        kind = name;
        break;
      }
      draw -= weight;
    }
    const wire = this.chance(10) ? { wire: true } : {};

    switch (kind) {
      case 'const': {
        const type = { width: this.width(), signed: this.chance(50) };
        const inferred = this.chance(15) ? { inferred: true as const } : {};
        return { id: this.nextId(), op: 'const', width: type.width, signed: type.signed, value: this.randomValueText(type), ...inferred, ...wire };
      }
      case 'binary':
        return this.binaryNode(wire);
      case 'unary':
        return { id: this.nextId(), op: this.pick(UNARY_OPS), a: this.pickRef(), ...wire };
      case 'shlConst': case 'shrConst': {
        const a = this.pickEntry();
        return { id: this.nextId(), op: kind, a: a.ref, amount: this.shiftAmount(a.type.width), ...wire };
      }
      case 'shl': case 'shr':
        return this.signalShiftNode(nodes, kind, wire);
      case 'slice': {
        const a = this.pickEntry();
        const hi = this.chance(40) ? a.type.width - 1 : this.random.integer(0, a.type.width - 1);
        const lo = this.chance(30) ? hi : this.random.integer(0, hi);
        return { id: this.nextId(), op: 'slice', a: a.ref, hi, lo, ...wire };
      }
      case 'bit': {
        const a = this.pickEntry();
        const index = this.chance(50) ? a.type.width - 1 : this.random.integer(0, a.type.width - 1);
        return { id: this.nextId(), op: 'bit', a: a.ref, index, ...wire };
      }
      case 'resize': {
        const a = this.pickEntry();
        const width = this.chance(50)
          ? Math.max(1, Math.min(MAX_WIDTH, a.type.width + this.pick([-2, -1, 1, 2, 30])))
          : this.width();
        return { id: this.nextId(), op: 'resize', a: a.ref, width, ...wire };
      }
      case 'trunc': {
        const a = this.pickEntry();
        return { id: this.nextId(), op: 'trunc', a: a.ref, width: this.random.integer(1, a.type.width), ...wire };
      }
      case 'cat': {
        const parts: Ref[] = [];
        const count = this.random.integer(1, 4);
        for (let i = 0; i < count; i++) {
          parts.push(this.pickRef());
        }
        return { id: this.nextId(), op: 'cat', parts, ...wire };
      }
      case 'mux':
        return { id: this.nextId(), op: 'mux', sel: this.pickBool(), a: this.pickRef(), b: this.pickRef(), ...wire };
      case 'when': {
        const like = this.pickEntry();
        const signed = this.chance(80) ? like.type.signed : !like.type.signed;
        return { id: this.nextId(), op: 'when', width: like.type.width, signed, assign: this.makeAssign() };
      }
      case 'read':
        return this.readNode(wire);
      case 'instance': {
        if (this.recipe.children.length === 0) {
          return undefined;
        }
        const child = this.recipe.children[0];
        const inputs: Record<string, Ref> = {};
        const pulses = this.recipe.inputs.filter((input) => input.pulse !== undefined);
        for (const input of child.inputs) {
          if (input.clock) {
            inputs[input.id] = this.pickClock() ?? 'clk';
          } else if (input.pulse !== undefined) {
            inputs[input.id] = (pulses.find((p) => p.pulse === input.pulse) ?? pulses[0])?.id ?? 'none';
          } else {
            inputs[input.id] = this.pickRef();
          }
        }
        return { id: this.nextId(), op: 'instance', child: 0, inputs };
      }
    }
    return undefined;
  }

  private binaryNode(wire: { wire?: boolean }): NodeRecipe {
    const op = this.pick(BINARY_OPS);
    const a = this.pickEntry();
    if (this.chance(15)) {
      const imm = this.chance(50)
        ? this.pick([0n, 1n, 2n, 3n, 5n, -1n, -2n, 127n, -128n, 255n])
        : this.random.value({ width: this.random.integer(1, 70), signed: a.type.signed });
      return { id: this.nextId(), op, a: a.ref, b: a.ref, imm: imm.toString(), ...wire };
    }
    // Mostly an operand of the same signedness; otherwise the builder converts it.
    const b = this.pickEntry(this.chance(80) ? (e) => e.type.signed === a.type.signed : undefined);
    return { id: this.nextId(), op, a: a.ref, b: b.ref, ...wire };
  }

  /** Picks a shift amount that is often at, just below or just above the width. */
  private shiftAmount(width: number): number {
    return this.pick([0, 1, width - 1, width, width + 1, width + 7, this.random.integer(0, width + 2)]);
  }

  private signalShiftNode(nodes: NodeRecipe[], op: 'shl' | 'shr', wire: { wire?: boolean }): NodeRecipe {
    const a = this.pickEntry();
    let amount: Ref;
    if (this.chance(30)) {
      // A constant amount node, so amounts exactly at and past the width occur for sure.
      const value = BigInt(this.shiftAmount(a.type.width));
      const width = this.chance(70) ? Math.max(1, value.toString(2).length) : this.random.integer(1, 70);
      const id = this.nextId();
      this.push(nodes, { id, op: 'const', width, signed: false, value: wrapToType(value, { width, signed: false }).toString() });
      this.pool.push({ ref: id, type: { width, signed: false } });
      amount = id;
    } else {
      amount = this.pickEntry((e) => e.type.width <= 9).ref;
    }
    return { id: this.nextId(), op, a: a.ref, b: amount, ...wire };
  }

  private readNode(wire: { wire?: boolean }): NodeRecipe | undefined {
    if (this.recipe.memories.length === 0) {
      return undefined;
    }
    const memory = this.pick(this.recipe.memories);
    const sync = this.chance(60);
    const addr = this.pickEntry((e) => e.type.width <= 6).ref;
    if (!sync) {
      return { id: this.nextId(), op: 'read', memory: memory.id, addr, sync, ...wire };
    }
    return {
      id: this.nextId(),
      op: 'read',
      memory: memory.id,
      addr,
      sync,
      enable: this.chance(30) ? this.pickBool() : undefined,
      cond: this.chance(20) ? this.pickBool() : undefined,
      clock: this.pickClock(),
      ...wire,
    };
  }

  // ---- sequential logic and outputs ----

  private makeAssign(): AssignRecipe {
    const branches: BranchRecipe[] = [];
    const count = this.pick([0, 1, 1, 2, 3]);
    for (let i = 0; i < count; i++) {
      const nested = this.chance(20) ? { cond: this.pickBool(), value: this.pickRef() } : undefined;
      branches.push({ cond: this.pickBool(), value: this.chance(85) ? this.pickRef() : undefined, nested });
    }
    return {
      fallback: this.chance(70) ? this.pickRef() : undefined,
      branches,
      otherwise: this.chance(40) ? this.pickRef() : undefined,
    };
  }

  /** Makes one write port. The IR does not define which of two ports wins on one address, so there is never a second. */
  private makeWrites(memory: MemoryRecipe): WriteRecipe[] {
    void memory;
    return [{
      addr: this.pickEntry((e) => e.type.width <= 6).ref,
      data: this.pickRef(),
      enable: this.chance(50) ? this.pickBool() : undefined,
      cond: this.chance(25) ? this.pickBool() : undefined,
      clock: this.pickClock(),
    }];
  }

  /** Makes outputs for the values nothing else reads (at most 8), so most of the design is observable. */
  private makeOutputs(): OutputRecipe[] {
    const recipe = this.recipe;
    const used = new Set<string>();
    for (const node of recipe.nodes) {
      for (const ref of nodeRefs(node)) {
        used.add(ref);
      }
    }

    const sinks = this.pool.filter((entry) => !used.has(entry.ref) && !recipe.inputs.some((input) => input.id === refOwner(entry.ref)));
    const chosen: Ref[] = [];
    for (const entry of sinks.reverse()) {
      if (chosen.length < 8) {
        chosen.push(entry.ref);
      }
    }
    for (const register of recipe.registers) {
      if (!chosen.includes(register.id) && chosen.length < 10 && this.chance(50)) {
        chosen.push(register.id);
      }
    }
    if (chosen.length === 0 || this.chance(10)) {
      chosen.push(this.pickRef());
    }

    const outputs = chosen.map((ref, index) => ({ id: `o${index}`, ref }));
    // Now and then an output that reads another output, or an input directly.
    if (this.chance(10)) {
      outputs.push({ id: `o${outputs.length}`, ref: this.pick(outputs).id });
    }
    if (this.chance(10)) {
      outputs.push({ id: `o${outputs.length}`, ref: this.pick(recipe.inputs.filter((input) => !input.clock)).id });
    }
    return outputs;
  }
}

/** Generates the recipe of seed `seed`; the design is called `name` (default `fz<seed>`). */
export function generateRecipe(seed: number, name = `fz${seed}`, options: GenerateOptions = {}): Recipe {
  return new RecipeGenerator(seed, name, options).generate();
}
