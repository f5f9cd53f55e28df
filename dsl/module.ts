// Modules: ports, wires, registers, conditional assignment, memories and
// instances. A Module records what the generator builds; compiler/elaborate.ts
// turns that record into a ModuleIR.
//
// Assignment rules:
// - `signal.set(value)` drives a wire or output, or gives a register its next
//   value. Inside `m.when(cond, ...)` it applies only while `cond` is 1.
// - A later assignment overrides an earlier one in an enclosing scope (a
//   default, then conditional overrides). Two assignments to one signal in
//   the same scope are a MULTIDRIVEN error.
// - A wire or output must be driven on every path (else UNDRIVEN: it would be
//   a latch). A register keeps its value on paths that do not assign it.

import { HdlError } from '../compiler/errors.ts';
import type {
  Expr, Memory, MemReadPort, MemWritePort, ModuleIR, ParamValue, Signal, SignalKind, SourceLoc, Type,
} from '../compiler/ir.ts';
import { typeName } from '../compiler/ir.ts';
import * as ops from './operators.ts';
import { callerLoc } from './source-location.ts';
import { Bool, constant, toBigInt } from './types.ts';
import { operand, Value, type ValueLike } from './value.ts';

export type Statement =
  | { readonly kind: 'set'; readonly target: Signal; readonly value: Expr; readonly loc?: SourceLoc }
  | { readonly kind: 'when'; readonly cond: Expr; readonly then: Statement[]; readonly otherwise: Statement[]; readonly loc?: SourceLoc };

export interface ResetOptions {
  /** A Bool signal (an input or a register), not an expression. */
  readonly signal: Value;
  /** Asynchronous reset acts at once; synchronous reset acts on the clock edge. Default: synchronous. */
  readonly async?: boolean;
  /** Active when 0. Default: active when 1. */
  readonly activeLow?: boolean;
}

export interface RegOptions {
  /** The value at time zero and while reset is active. Default 0. */
  readonly init?: number | bigint | boolean;
  readonly reset?: Value | ResetOptions;
  /** The register loads its next value only while this Bool is 1. */
  readonly enable?: Value;
  /** Default: the module's clock input `clk`. */
  readonly clock?: Value;
}

export interface RegisterDraft {
  readonly signal: Signal;
  readonly clock: Signal;
  readonly enable?: Expr;
  readonly reset?: { readonly signal: Signal; readonly async: boolean; readonly activeLow: boolean };
  readonly init: bigint;
  readonly loc?: SourceLoc;
}

/** The IR memory itself, with ports added as the generator runs. */
export interface MemoryDraft extends Memory {
  readonly writePorts: MemWritePort[];
  readonly readPorts: MemReadPort[];
  readonly attributes: Record<string, string>;
  uninitialized?: boolean;
}

export interface InstanceDraft {
  readonly name: string;
  readonly module: ModuleIR;
  readonly inputs: Map<string, Signal>;
  readonly outputs: Map<string, Signal>;
  readonly loc?: SourceLoc;
}

/** A signal that can be assigned: a wire, an output or a register. */
export class SignalHandle extends Value {
  readonly signal: Signal;
  readonly owner: Module;

  constructor(signal: Signal, owner: Module) {
    super({ kind: 'ref', type: signal.type, signal, loc: signal.loc });
    this.signal = signal;
    this.owner = owner;
  }

  get name(): string {
    return this.signal.name;
  }

  /** Drives this signal (or, for a register, sets its next value) in the current `when` scope. */
  set(value: ValueLike): void {
    const loc = callerLoc();
    this.owner.recordSet(this.signal, operand(value, this.expr, loc), loc);
  }
}

function addressWidth(depth: number): number {
  return Math.max(1, Math.ceil(Math.log2(depth)));
}

/** A ROM or RAM. Reads and writes are made through its methods. */
export class MemoryHandle {
  readonly draft: MemoryDraft;
  private readonly owner: Module;

  constructor(draft: MemoryDraft, owner: Module) {
    this.draft = draft;
    this.owner = owner;
  }

  get name(): string {
    return this.draft.name;
  }

  /** Address width in bits: ceil(log2(depth)), at least 1. Addresses must have exactly this width. */
  get addrWidth(): number {
    return this.draft.addrWidth;
  }

  /**
   * Sets a synthesis attribute on the memory, emitted as `(* name = "value" *)`.
   * Simulation ignores it.
   */
  setAttribute(name: string, value: string): this {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /["\\\n]/.test(value)) {
      throw new HdlError('USAGE', `invalid attribute ${name} = "${value}": the name must be an identifier and the value must not contain quotes, backslashes or newlines`, callerLoc());
    }
    this.draft.attributes[name] = value;
    return this;
  }

  /**
   * Declares that the memory has no power-up contents, as iCE40 SPRAM has
   * none; the emitted Verilog then loads no memory file. The design must
   * write a word before reading it.
   */
  markUninitialized(): this {
    if (this.draft.init.some((word) => word !== 0n)) {
      throw new HdlError('USAGE', `memory '${this.draft.name}' has initial contents, so it cannot be uninitialized`, callerLoc());
    }
    this.draft.uninitialized = true;
    return this;
  }

  /** Reads synchronously: the word at `addr` appears on the returned value after the next rising edge. */
  read(addr: Value, options: { enable?: Value; clock?: Value } = {}): Value {
    const loc = callerLoc();
    this.checkAddress(addr, loc);
    const index = this.draft.readPorts.length;
    const data = this.owner.declareSignal(`${this.draft.name}_rdata${index === 0 ? '' : index}`, this.draft.type, 'memdata', loc, true);
    const enable = this.owner.pathEnable(options.enable, loc);
    this.draft.readPorts.push({ clock: this.owner.clockOf(options.clock, loc), enable, addr: addr.expr, data, loc });
    return new Value({ kind: 'ref', type: data.type, signal: data, loc });
  }

  /** Reads combinationally. An address at or past the depth reads 0. */
  readAsync(addr: Value): Value {
    const loc = callerLoc();
    this.checkAddress(addr, loc);
    return new Value({ kind: 'memread', type: this.draft.type, memory: this.draft, addr: addr.expr, loc });
  }

  /** Writes `data` at `addr` on the rising edge, when the enclosing `when` conditions and `enable` hold. */
  write(addr: Value, data: ValueLike, options: { enable?: Value; clock?: Value } = {}): void {
    const loc = callerLoc();
    this.checkAddress(addr, loc);
    const dataExpr = ops.fitForAssign(operand(data, { kind: 'const', type: this.draft.type, bits: 0n }, loc), this.draft.type, this.draft.name, loc);
    const enable = this.owner.pathEnable(options.enable, loc) ?? constant(1, Bool, loc);
    this.draft.writePorts.push({ clock: this.owner.clockOf(options.clock, loc), enable, addr: addr.expr, data: dataExpr, loc });
  }

  private checkAddress(addr: Value, loc?: SourceLoc): void {
    if (addr.signed || addr.width !== this.draft.addrWidth) {
      throw new HdlError(
        'WIDTH',
        `address of memory '${this.draft.name}' (depth ${this.draft.depth}) must be UInt(${this.draft.addrWidth}), got ${typeName(addr.type)}; use .resize(${this.draft.addrWidth})`,
        loc,
      );
    }
  }

}

/** An instance of a child module: its inputs are assignable signals, its outputs are values. */
export class InstanceHandle {
  readonly draft: InstanceDraft;
  private readonly owner: Module;

  constructor(draft: InstanceDraft, owner: Module) {
    this.draft = draft;
    this.owner = owner;
  }

  input(port: string): SignalHandle {
    const signal = this.draft.inputs.get(port);
    if (!signal) {
      throw new HdlError('USAGE', `module '${this.draft.module.name}' has no input '${port}'; its inputs are: ${[...this.draft.inputs.keys()].join(', ')}`, callerLoc());
    }
    return new SignalHandle(signal, this.owner);
  }

  output(port: string): Value {
    const signal = this.draft.outputs.get(port);
    if (!signal) {
      throw new HdlError('USAGE', `module '${this.draft.module.name}' has no output '${port}'; its outputs are: ${[...this.draft.outputs.keys()].join(', ')}`, callerLoc());
    }
    return new Value({ kind: 'ref', type: signal.type, signal, loc: signal.loc });
  }

  /** Drives several inputs at once: `u.connect({ a: x, b: 3 })`. */
  connect(connections: Record<string, ValueLike>): void {
    const loc = callerLoc();
    for (const [port, value] of Object.entries(connections)) {
      const target = this.input(port);
      this.owner.recordSet(target.signal, operand(value, target.expr, loc), loc);
    }
  }
}

/** Chains `elseWhen` and `otherwise` onto a `when`. */
export class WhenChain {
  private readonly owner: Module;
  private readonly statement: Extract<Statement, { kind: 'when' }>;
  private readonly conditions: readonly Expr[];

  constructor(owner: Module, statement: Extract<Statement, { kind: 'when' }>, conditions: readonly Expr[]) {
    this.owner = owner;
    this.statement = statement;
    this.conditions = conditions;
  }

  elseWhen(cond: Value, body: () => void): WhenChain {
    const loc = callerLoc();
    this.requireOpen(loc);
    const negated = this.conditions.map((c) => ops.not(c, loc));
    return this.owner.openWhen(cond, body, loc, this.statement.otherwise, negated, this.conditions.concat([cond.expr]));
  }

  otherwise(body: () => void): void {
    const loc = callerLoc();
    this.requireOpen(loc);
    const negated = this.conditions.map((c) => ops.not(c, loc));
    this.owner.runInScope(this.statement.otherwise, negated, body);
  }

  private requireOpen(loc?: SourceLoc): void {
    if (this.statement.otherwise.length > 0) {
      throw new HdlError('USAGE', 'this when() already has an otherwise branch', loc);
    }
  }
}

export class Module {
  readonly name: string;
  readonly params: Record<string, ParamValue>;
  readonly loc?: SourceLoc;

  readonly signals: Signal[] = [];
  readonly ports: Signal[] = [];
  readonly body: Statement[] = [];
  readonly registers: RegisterDraft[] = [];
  readonly memories: MemoryDraft[] = [];
  readonly instances: InstanceDraft[] = [];

  private readonly names = new Map<string, SourceLoc | undefined>();
  private scope: Statement[] = this.body;
  private conditionStack: Expr[] = [];
  private defaultClock?: Signal;
  private elaborated?: ModuleIR;

  constructor(name: string, params: Record<string, ParamValue> = {}) {
    this.loc = callerLoc();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new HdlError('USAGE', `module name '${name}' must start with a letter or _ and hold only letters, digits and _`, this.loc);
    }
    this.name = name;
    this.params = { ...params };
  }

  input(name: string, type: Type): Value {
    const signal = this.declareSignal(name, type, 'input', callerLoc());
    this.ports.push(signal);
    return new Value({ kind: 'ref', type, signal, loc: signal.loc });
  }

  output(name: string, type: Type): SignalHandle {
    const signal = this.declareSignal(name, type, 'output', callerLoc());
    this.ports.push(signal);
    return new SignalHandle(signal, this);
  }

  wire(name: string, type: Type): SignalHandle {
    return new SignalHandle(this.declareSignal(name, type, 'wire', callerLoc()), this);
  }

  /** Returns the module's default clock, an input named `clk` made on first use. */
  clock(): Value {
    if (!this.defaultClock) {
      this.defaultClock = this.declareSignal('clk', Bool, 'input', callerLoc());
      this.ports.push(this.defaultClock);
    }
    return new Value({ kind: 'ref', type: Bool, signal: this.defaultClock });
  }

  reg(name: string, type: Type, options: RegOptions = {}): SignalHandle {
    const loc = callerLoc();
    const signal = this.declareSignal(name, type, 'reg', loc);
    const init = constant(options.init ?? 0, type, loc).bits;
    const clock = this.clockOf(options.clock, loc);

    let reset: RegisterDraft['reset'];
    if (options.reset) {
      const spec = options.reset instanceof Value ? { signal: options.reset } : options.reset;
      reset = { signal: this.requireBoolSignal(spec.signal, 'reset', loc), async: spec.async ?? false, activeLow: spec.activeLow ?? false };
    }

    let enable: Expr | undefined;
    if (options.enable) {
      enable = options.enable.expr;
      if (enable.type.width !== 1 || enable.type.signed) {
        throw new HdlError('WIDTH', `enable of register '${name}' must be a Bool, got ${typeName(enable.type)}`, loc);
      }
    }

    this.registers.push({ signal, clock, enable, reset, init, loc });
    return new SignalHandle(signal, this);
  }

  /** Runs `body` with every assignment in it conditional on `cond`. */
  when(cond: Value, body: () => void): WhenChain {
    const loc = callerLoc();
    return this.openWhen(cond, body, loc, this.scope, this.conditionStack.slice(), [cond.expr]);
  }

  /** Declares a read-only memory whose words are `contents` (emitted as a $readmemh file). */
  rom(name: string, type: Type, contents: readonly (number | bigint)[], depth = contents.length): MemoryHandle {
    const loc = callerLoc();
    if (contents.length === 0) {
      throw new HdlError('USAGE', `ROM '${name}' has no contents`, loc);
    }
    return this.memory(name, type, depth, contents, loc);
  }

  /** Declares a memory with synchronous read ports and write ports. Every word starts as 0 unless `init` gives it a value. */
  ram(name: string, type: Type, depth: number, init: readonly (number | bigint)[] = []): MemoryHandle {
    return this.memory(name, type, depth, init, callerLoc());
  }

  instance(name: string, child: Module): InstanceHandle {
    const loc = callerLoc();
    const childIR = child.elaborate();
    this.claimName(name, loc);
    const inputs = new Map<string, Signal>();
    const outputs = new Map<string, Signal>();
    for (const port of childIR.ports) {
      const kind: SignalKind = port.kind === 'input' ? 'wire' : 'instout';
      const signal = this.declareSignal(`${name}_${port.name}`, port.type, kind, loc, true);
      (port.kind === 'input' ? inputs : outputs).set(port.name, signal);
    }
    const draft: InstanceDraft = { name, module: childIR, inputs, outputs, loc };
    this.instances.push(draft);
    return new InstanceHandle(draft, this);
  }

  /** Elaborates this module (once) into IR, running every check. */
  elaborate(): ModuleIR {
    if (!this.elaborated) {
      this.elaborated = elaborateHook(this);
    }
    return this.elaborated;
  }

  // ---- used by the handles above and by compiler/elaborate.ts ----

  declareSignal(name: string, type: Type, kind: SignalKind, loc: SourceLoc | undefined, generated = false): Signal {
    const unique = generated ? this.uniqueName(name) : name;
    if (!generated) {
      this.claimName(name, loc);
    } else {
      this.names.set(unique, loc);
    }
    const signal: Signal = { name: unique, type, kind, loc };
    this.signals.push(signal);
    return signal;
  }

  recordSet(target: Signal, value: Expr, loc: SourceLoc | undefined): void {
    if (this.elaborated) {
      throw new HdlError('USAGE', `module '${this.name}' was already elaborated; assign '${target.name}' before it is instantiated or built`, loc);
    }
    if (!this.signals.includes(target)) {
      throw new HdlError('USAGE', `signal '${target.name}' belongs to another module; pass values between modules through instance ports`, loc);
    }
    if (target.kind === 'input' || target.kind === 'instout' || target.kind === 'memdata') {
      throw new HdlError('MULTIDRIVEN', `'${target.name}' is driven by ${describeDriver(target.kind)} and cannot be assigned`, loc);
    }
    const previous = this.scope.find((s) => s.kind === 'set' && s.target === target);
    if (previous) {
      const where = previous.loc ? ` (first assigned at ${previous.loc.file}:${previous.loc.line})` : '';
      throw new HdlError('MULTIDRIVEN', `'${target.name}' is assigned twice in the same scope${where}; use when() to choose between values`, loc);
    }
    const fitted = ops.fitForAssign(value, target.type, target.name, loc);
    this.scope.push({ kind: 'set', target, value: fitted, loc });
  }

  openWhen(cond: Value, body: () => void, loc: SourceLoc | undefined, into: Statement[], outer: readonly Expr[], chain: readonly Expr[]): WhenChain {
    if (cond.width !== 1 || cond.signed) {
      throw new HdlError('WIDTH', `when() condition must be a Bool (UInt(1)), got ${typeName(cond.type)}; compare it, e.g. .ne(0)`, loc);
    }
    const statement = { kind: 'when' as const, cond: cond.expr, then: [] as Statement[], otherwise: [] as Statement[], loc };
    into.push(statement);
    this.runInScope(statement.then, outer.concat([cond.expr]), body);
    return new WhenChain(this, statement, chain);
  }

  runInScope(scope: Statement[], conditions: readonly Expr[], body: () => void): void {
    const savedScope = this.scope;
    const savedConditions = this.conditionStack;
    this.scope = scope;
    this.conditionStack = conditions.slice();
    try {
      body();
    } finally {
      this.scope = savedScope;
      this.conditionStack = savedConditions;
    }
  }

  /** Returns the conjunction of the enclosing `when` conditions and `extra`, or undefined at top level. */
  pathEnable(extra: Value | undefined, loc: SourceLoc | undefined): Expr | undefined {
    const terms = this.conditionStack.slice();
    if (extra) {
      if (extra.width !== 1 || extra.signed) {
        throw new HdlError('WIDTH', `enable must be a Bool, got ${typeName(extra.type)}`, loc);
      }
      terms.push(extra.expr);
    }
    if (terms.length === 0) {
      return undefined;
    }
    return terms.reduce((acc, term) => ops.bitwise('and', acc, term, loc));
  }

  /**
   * Returns the clock signal for a register or memory port. Clocks are module
   * inputs: a clock made by logic or a register would race its own data in
   * Verilog simulators.
   */
  clockOf(clock: Value | undefined, loc: SourceLoc | undefined): Signal {
    if (!clock) {
      return (this.clock().expr as Extract<Expr, { kind: 'ref' }>).signal;
    }
    const signal = this.requireBoolSignal(clock, 'clock', loc);
    if (signal.kind !== 'input') {
      throw new HdlError('USAGE', `clock '${signal.name}' must be an input of module '${this.name}'; derive slower rates with an enable instead of a clock made by logic`, loc);
    }
    return signal;
  }

  private requireBoolSignal(value: Value, role: string, loc: SourceLoc | undefined): Signal {
    const expr = value.expr;
    if (expr.kind !== 'ref' || expr.type.width !== 1 || expr.type.signed) {
      throw new HdlError('USAGE', `${role} must be a Bool signal of this module (an input or a register), not an expression`, loc);
    }
    if (!this.signals.includes(expr.signal)) {
      throw new HdlError('USAGE', `${role} '${expr.signal.name}' belongs to another module`, loc);
    }
    return expr.signal;
  }

  private memory(name: string, type: Type, depth: number, init: readonly (number | bigint)[], loc: SourceLoc | undefined): MemoryHandle {
    if (!Number.isInteger(depth) || depth < 1) {
      throw new HdlError('USAGE', `memory '${name}' depth must be a whole number 1 or more, got ${depth}`, loc);
    }
    if (init.length > depth) {
      throw new HdlError('WIDTH', `memory '${name}' has ${init.length} initial words but depth ${depth}`, loc);
    }
    this.claimName(name, loc);
    const words = init.map((word, index) => {
      try {
        return constant(toBigInt(word), type, loc).bits;
      } catch (error) {
        if (error instanceof HdlError) {
          throw new HdlError(error.code, `memory '${name}' word ${index}: ${error.detail}`, loc);
        }
        throw error;
      }
    });
    const draft: MemoryDraft = {
      name, type, depth, addrWidth: addressWidth(depth), init: words,
      writePorts: [], readPorts: [], attributes: {}, loc,
    };
    this.memories.push(draft);
    return new MemoryHandle(draft, this);
  }

  private claimName(name: string, loc: SourceLoc | undefined): void {
    if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(name)) {
      throw new HdlError('USAGE', `name '${name}' must start with a letter or _ and hold only letters, digits, _ and $`, loc);
    }
    if (this.names.has(name)) {
      const first = this.names.get(name);
      const where = first ? ` at ${first.file}:${first.line}` : '';
      throw new HdlError('DUPNAME', `name '${name}' is already used in module '${this.name}'${where}`, loc);
    }
    this.names.set(name, loc);
  }

  private uniqueName(base: string): string {
    let name = base;
    for (let suffix = 1; this.names.has(name); suffix++) {
      name = `${base}_${suffix}`;
    }
    return name;
  }
}

function describeDriver(kind: SignalKind): string {
  switch (kind) {
    case 'input': return 'the module port (it is an input)';
    case 'instout': return 'an instance output';
    case 'memdata': return 'a memory read port';
    default: return kind;
  }
}

// compiler/elaborate.ts installs itself here, so that dsl/ does not import
// the compiler's passes and the two stay free of an import cycle.
let elaborateHook: (module: Module) => ModuleIR = () => {
  throw new Error('the elaborator is not loaded; import hdlc from dsl/index.ts');
};

export function installElaborator(elaborate: (module: Module) => ModuleIR): void {
  elaborateHook = elaborate;
}
