// Builds a DSL module from a fuzz recipe, through the public DSL only, so a
// fuzz run exercises the DSL, elaboration, the emitter and the simulator.
//
// The builder accepts any recipe the shrinker can make, by repairing it where
// the DSL would reject it:
// - A reference to a deleted input, register or node reads a UInt(1) zero.
// - An operand of the wrong signedness gets asSigned()/asUnsigned(). A
//   condition, select or enable wider than one bit becomes orR(). An address
//   is resized to the memory's address width.
// - A value assigned to a narrower wire, register, output or memory word is
//   truncated with trunc(); a narrower one is extended by the assignment.
// - Slice bounds, bit indexes and truncation widths are clamped to the
//   operand's width.
// These repairs are plain DSL calls, so they are part of the design that both
// simulators see.

import {
  Bool, cat, lit, Module, mux, SInt, UInt, type InstanceHandle, type MemoryHandle, type SignalHandle, type Type, type Value,
} from '../../dsl/index.ts';
import { toBits, toInteger } from '../../compiler/ir.ts';
import type {
  AssignRecipe, BinaryOpName, MemoryRecipe, NodeRecipe, Recipe, Ref, RegisterRecipe, UnaryOpName,
} from './recipe.ts';

/** Wraps an integer into the range of `type`, as two's complement for an SInt. */
export function wrapToType(value: bigint, type: Type): bigint {
  return toInteger(toBits(value, type.width), type);
}

function typeOf(width: number, signed: boolean): Type {
  const w = Math.max(1, Math.floor(width));
  return signed ? SInt(w) : UInt(w);
}

function withSign(value: Value, signed: boolean): Value {
  if (value.signed === signed) {
    return value;
  }
  return signed ? value.asSigned() : value.asUnsigned();
}

function toBool(value: Value): Value {
  return value.width === 1 ? withSign(value, false) : value.orR();
}

function fit(value: Value, type: Type): Value {
  const signed = withSign(value, type.signed);
  return signed.width > type.width ? signed.trunc(type.width) : signed;
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(Math.max(Math.floor(value), lo), hi);
}

/** Builds a recipe's module, whole or (for the generator) one node at a time. */
export class RecipeBuilder {
  readonly module: Module;
  private readonly values = new Map<string, Value>();
  private readonly pulseInputs = new Map<string, { value: Value; pulse: 0 | 1 }>();
  private readonly clockInputs = new Map<string, Value>();
  private readonly registers = new Map<string, SignalHandle>();
  private readonly enables = new Map<string, SignalHandle>();
  private readonly memories = new Map<string, { handle: MemoryHandle; recipe: MemoryRecipe }>();
  private readonly children = new Map<number, Module>();

  constructor(private readonly recipe: Recipe) {
    this.module = new Module(recipe.name);
  }

  /** Builds the whole module. */
  build(): Module {
    this.declare();
    for (const node of this.recipe.nodes) {
      this.addNode(node);
    }
    return this.finish();
  }

  /** Declares the inputs, registers and memories; nodes come next. */
  declare(): void {
    const m = this.module;
    for (const input of this.recipe.inputs) {
      const type = input.pulse === undefined ? typeOf(input.width, input.signed) : Bool;
      const value = m.input(input.id, input.clock ? Bool : type);
      this.values.set(input.id, value);
      if (input.pulse !== undefined) {
        this.pulseInputs.set(input.id, { value, pulse: input.pulse });
      }
      if (input.clock) {
        this.clockInputs.set(input.id, value);
      }
    }
    for (const register of this.recipe.registers) {
      this.declareRegister(register);
    }
    for (const memory of this.recipe.memories) {
      this.declareMemory(memory);
    }
  }

  /** Builds one node, which may read the nodes added before it, and returns its value. */
  addNode(node: NodeRecipe): Value {
    let value = this.node(node);
    if (node.wire && node.op !== 'when' && node.op !== 'instance') {
      const wire = this.module.wire(node.id, value.type);
      wire.set(value);
      value = wire;
    }
    this.values.set(node.id, value);
    return value;
  }

  /** Returns the value of an instance output or any other reference made so far. */
  lookup(ref: Ref): Value | undefined {
    return this.values.get(ref);
  }

  /** Assigns the registers, memory writes and outputs, which may read any value. */
  finish(): Module {
    for (const register of this.recipe.registers) {
      this.assignRegister(register);
    }
    for (const memory of this.recipe.memories) {
      this.writeMemory(memory);
    }
    for (const output of this.recipe.outputs) {
      const value = this.ref(output.ref);
      const handle = this.module.output(output.id, value.type);
      handle.set(value);
      // A later output may read this one, as Verilog allows.
      this.values.set(output.id, handle);
    }
    return this.module;
  }

  /** Returns a clock input for `ref`, or undefined (the module's `clk`) where it names none. */
  private clockOf(ref: Ref | undefined): Value | undefined {
    return ref === undefined ? undefined : this.clockInputs.get(ref);
  }

  private ref(ref: Ref | undefined): Value {
    const value = ref === undefined ? undefined : this.values.get(ref);
    return value ?? lit(0, Bool);
  }

  private declareRegister(register: RegisterRecipe): void {
    const type = typeOf(register.width, register.signed);
    const init = wrapToType(BigInt(register.init), type);
    let reset: { signal: Value; async: boolean; activeLow: boolean } | undefined;
    const source = register.reset ? this.pulseInputs.get(register.reset.source) : undefined;
    if (register.reset && source) {
      reset = { signal: source.value, async: register.reset.async, activeLow: register.reset.activeLow };
    }
    // The enable is a wire, driven at the end, because it may read values made after the register.
    let enable: SignalHandle | undefined;
    if (register.enable !== undefined) {
      enable = this.module.wire(`${register.id}_en`, Bool);
      this.enables.set(register.id, enable);
    }
    const handle = this.module.reg(register.id, type, { init, reset, enable, clock: this.clockOf(register.clock) });
    this.registers.set(register.id, handle);
    this.values.set(register.id, handle);
  }

  private assignRegister(register: RegisterRecipe): void {
    const handle = this.registers.get(register.id) as SignalHandle;
    this.assign(handle, register.next, false);
    const enable = this.enables.get(register.id);
    if (enable) {
      enable.set(toBool(this.ref(register.enable)));
    }
  }

  private declareMemory(memory: MemoryRecipe): void {
    const type = typeOf(memory.width, memory.signed);
    const depth = Math.max(1, Math.floor(memory.depth));
    const words = memory.init.slice(0, depth).map((word) => wrapToType(BigInt(word), type));
    const handle = memory.rom
      ? this.module.rom(memory.id, type, words.length > 0 ? words : [0n], depth)
      : this.module.ram(memory.id, type, depth, words);
    this.memories.set(memory.id, { handle, recipe: memory });
  }

  private writeMemory(memory: MemoryRecipe): void {
    if (memory.rom) {
      return;
    }
    const { handle } = this.memories.get(memory.id) as { handle: MemoryHandle };
    const type = typeOf(memory.width, memory.signed);
    for (const write of memory.writes) {
      const store = (): void => {
        const addr = this.address(write.addr, handle);
        const enable = write.enable === undefined ? undefined : toBool(this.ref(write.enable));
        handle.write(addr, fit(this.ref(write.data), type), { enable, clock: this.clockOf(write.clock) });
      };
      if (write.cond === undefined) {
        store();
      } else {
        this.module.when(toBool(this.ref(write.cond)), store);
      }
    }
  }

  private address(ref: Ref, handle: MemoryHandle): Value {
    return withSign(this.ref(ref), false).resize(handle.addrWidth);
  }

  /** Drives `target` from an assign recipe; a wire gets a zero default where a path would leave it undriven. */
  private assign(target: SignalHandle, assign: AssignRecipe, needsEveryPath: boolean): void {
    const m = this.module;
    const type = target.type;
    const put = (ref: Ref): void => target.set(fit(this.ref(ref), type));

    const coveredByBranches = assign.branches.length > 0
      && assign.otherwise !== undefined
      && assign.branches.every((branch) => branch.value !== undefined);
    if (assign.fallback !== undefined) {
      put(assign.fallback);
    } else if (assign.branches.length === 0 && assign.otherwise !== undefined) {
      put(assign.otherwise);
      return;
    } else if (needsEveryPath && !coveredByBranches) {
      target.set(lit(0, type));
    }

    let chain: ReturnType<Module['when']> | undefined;
    for (const branch of assign.branches) {
      const body = (): void => {
        if (branch.value !== undefined) {
          put(branch.value);
        }
        const nested = branch.nested;
        if (nested !== undefined) {
          m.when(toBool(this.ref(nested.cond)), () => put(nested.value));
        }
      };
      const cond = toBool(this.ref(branch.cond));
      chain = chain ? chain.elseWhen(cond, body) : m.when(cond, body);
    }
    if (chain && assign.otherwise !== undefined) {
      const otherwise = assign.otherwise;
      chain.otherwise(() => put(otherwise));
    }
  }

  private node(node: NodeRecipe): Value {
    switch (node.op) {
      case 'const': {
        const type = typeOf(node.width, node.signed);
        const value = wrapToType(BigInt(node.value), type);
        return node.inferred ? lit(value) : lit(value, type);
      }
      case 'neg': case 'not': case 'andR': case 'orR': case 'xorR': case 'asSigned': case 'asUnsigned':
        return unary(node.op, this.ref(node.a));
      case 'shlConst':
        return this.ref(node.a).shl(Math.max(0, Math.floor(node.amount)));
      case 'shrConst':
        return this.ref(node.a).shr(Math.max(0, Math.floor(node.amount)));
      case 'shl':
        return this.ref(node.a).shl(withSign(this.ref(node.b), false));
      case 'shr':
        return this.ref(node.a).shr(withSign(this.ref(node.b), false));
      case 'slice': {
        const a = this.ref(node.a);
        const hi = clamp(node.hi, 0, a.width - 1);
        return a.slice(hi, clamp(node.lo, 0, hi));
      }
      case 'bit': {
        const a = this.ref(node.a);
        return a.bit(clamp(node.index, 0, a.width - 1));
      }
      case 'resize':
        return this.ref(node.a).resize(Math.max(1, Math.floor(node.width)));
      case 'trunc': {
        const a = this.ref(node.a);
        return a.trunc(clamp(node.width, 1, a.width));
      }
      case 'cat': {
        const parts = node.parts.length > 0 ? node.parts.map((part) => this.ref(part)) : [this.ref(undefined)];
        return cat(...parts);
      }
      case 'mux': {
        const a = this.ref(node.a);
        return mux(toBool(this.ref(node.sel)), a, withSign(this.ref(node.b), a.signed));
      }
      case 'when': {
        const wire = this.module.wire(node.id, typeOf(node.width, node.signed));
        this.assign(wire, node.assign, true);
        return wire;
      }
      case 'read':
        return this.read(node);
      case 'instance':
        return this.instance(node);
      default:
        return this.binary(node);
    }
  }

  private binary(node: Extract<NodeRecipe, { op: BinaryOpName }>): Value {
    const a = this.ref(node.a);
    if (node.imm !== undefined) {
      let imm = BigInt(node.imm);
      if (!a.signed && imm < 0n) {
        // A negative plain number needs an SInt operand.
        imm = -imm;
      }
      return binary(node.op, a, imm);
    }
    return binary(node.op, a, withSign(this.ref(node.b), a.signed));
  }

  private read(node: Extract<NodeRecipe, { op: 'read' }>): Value {
    const memory = this.memories.get(node.memory);
    if (!memory) {
      return this.ref(undefined);
    }
    const { handle } = memory;
    const addr = this.address(node.addr, handle);
    if (!node.sync) {
      return handle.readAsync(addr);
    }
    const enable = node.enable === undefined ? undefined : toBool(this.ref(node.enable));
    const clock = this.clockOf(node.clock);
    if (node.cond === undefined) {
      return handle.read(addr, { enable, clock });
    }
    let data: Value | undefined;
    this.module.when(toBool(this.ref(node.cond)), () => {
      data = handle.read(addr, { enable, clock });
    });
    return data as Value;
  }

  private instance(node: Extract<NodeRecipe, { op: 'instance' }>): Value {
    const childRecipe = this.recipe.children[node.child];
    if (!childRecipe) {
      return this.ref(undefined);
    }
    let child = this.children.get(node.child);
    if (!child) {
      child = buildModule(childRecipe);
      this.children.set(node.child, child);
    }
    const childIR = child.elaborate();
    const handle: InstanceHandle = this.module.instance(`u_${node.id}`, child);
    // Clocks and resets are set port by port; data ports go through connect(), so both DSL calls are exercised.
    const data: Record<string, Value> = {};

    for (const port of childIR.ports) {
      if (port.kind !== 'input') {
        continue;
      }
      if (port.name === 'clk') {
        handle.input('clk').set(this.module.clock());
        continue;
      }
      const childInput = childRecipe.inputs.find((input) => input.id === port.name);
      const source = node.inputs[port.name];
      if (childInput?.clock) {
        handle.input(port.name).set((source === undefined ? undefined : this.clockInputs.get(source)) ?? this.module.clock());
        continue;
      }
      if (childInput?.pulse !== undefined) {
        // A child reset must come straight from a reset input, never from logic that could glitch.
        const parentPulse = source === undefined ? undefined : this.pulseInputs.get(source);
        handle.input(port.name).set(parentPulse ? parentPulse.value : lit(1 - childInput.pulse, Bool));
        continue;
      }
      data[port.name] = fit(this.ref(source), port.type);
    }
    handle.connect(data);

    let first: Value | undefined;
    for (const port of childIR.ports) {
      if (port.kind === 'output') {
        const value = handle.output(port.name);
        this.values.set(`${node.id}.${port.name}`, value);
        first ??= value;
      }
    }
    return first ?? this.ref(undefined);
  }
}

function unary(op: UnaryOpName, a: Value): Value {
  switch (op) {
    case 'neg': return a.neg();
    case 'not': return a.not();
    case 'andR': return a.andR();
    case 'orR': return a.orR();
    case 'xorR': return a.xorR();
    case 'asSigned': return a.asSigned();
    case 'asUnsigned': return a.asUnsigned();
  }
}

function binary(op: BinaryOpName, a: Value, b: Value | bigint): Value {
  switch (op) {
    case 'add': return a.add(b);
    case 'addWrap': return a.addWrap(b);
    case 'sub': return a.sub(b);
    case 'subWrap': return a.subWrap(b);
    case 'mul': return a.mul(b);
    case 'and': return a.and(b);
    case 'or': return a.or(b);
    case 'xor': return a.xor(b);
    case 'eq': return a.eq(b);
    case 'ne': return a.ne(b);
    case 'lt': return a.lt(b);
    case 'le': return a.le(b);
    case 'gt': return a.gt(b);
    case 'ge': return a.ge(b);
  }
}

/** Builds the DSL module that `recipe` describes (its children are built as separate modules). */
export function buildModule(recipe: Recipe): Module {
  return new RecipeBuilder(recipe).build();
}
