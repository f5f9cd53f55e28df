// Verilog-2005 emitter. Almost a table from IR node to Verilog operator; the
// rules that keep Verilog's context-dependent widths out of play:
// - Every operator node gets its own wire of exactly its IR type, so each
//   `assign` has operands and a result of known width and no expression
//   widens inside a larger context.
// - Operands are names or sized literals written as bit patterns. A signed
//   operation wraps its operands in $signed(). Extension is an explicit
//   replication of the sign bit or a concatenation with zeros.
// - Registers and memory read data start from their init value in the
//   declaration, and memories load a $readmemh file, so simulation from time
//   zero matches the IR.
// - Statements carry a `// file:line` comment with the TypeScript source.

import { formatLoc } from '../errors.ts';
import type { Expr, Memory, ModuleIR, Register, Signal, SourceLoc, Type } from '../ir.ts';
import { forEachRead } from '../checks/comb-loops.ts';
import { isKeyword, Namer } from './names.ts';

export interface MemoryFile {
  readonly fileName: string;
  readonly text: string;
}

export interface EmittedModule {
  readonly module: ModuleIR;
  /** The Verilog module name (the IR name, made unique across the design). */
  readonly verilogName: string;
  readonly text: string;
  readonly memoryFiles: readonly MemoryFile[];
  /** TypeScript-side signal, memory and instance names to Verilog names. */
  readonly nameMap: ReadonlyMap<string, string>;
}

export function literal(bits: bigint, width: number): string {
  if (width <= 8) {
    return `${width}'b${bits.toString(2).padStart(width, '0')}`;
  }
  return `${width}'h${bits.toString(16).padStart(Math.ceil(width / 4), '0')}`;
}

function range(type: Type): string {
  const sign = type.signed ? 'signed ' : '';
  return type.width === 1 ? sign : `${sign}[${type.width - 1}:0] `;
}

function comment(loc: SourceLoc | undefined): string {
  return loc ? ` // ${formatLoc(loc)}` : '';
}

function memoryFileText(memory: Memory): string {
  const digits = Math.ceil(memory.type.width / 4);
  const lines: string[] = [];
  for (let i = 0; i < memory.depth; i++) {
    lines.push((memory.init[i] ?? 0n).toString(16).padStart(digits, '0'));
  }
  return lines.join('\n') + '\n';
}

/** Returns every signal that some expression of `module` reads. */
function readSignals(module: ModuleIR): Set<Signal> {
  const read = new Set<Signal>();
  const seen = new Set<Expr>();
  const visit = (expr: Expr | undefined): void => {
    if (expr) {
      forEachRead(expr, (signal) => read.add(signal), seen);
    }
  };
  for (const assign of module.assigns) {
    visit(assign.value);
  }
  for (const register of module.registers) {
    visit(register.next);
    visit(register.enable);
  }
  for (const memory of module.memories) {
    for (const port of memory.writePorts) {
      visit(port.enable);
      visit(port.addr);
      visit(port.data);
    }
    for (const port of memory.readPorts) {
      visit(port.enable);
      visit(port.addr);
    }
  }
  return read;
}

class ModuleEmitter {
  private readonly names = new Namer();
  private readonly signalNames = new Map<Signal, string>();
  private readonly memoryNames = new Map<Memory, string>();
  private readonly temps = new Map<Expr, string>();
  private readonly tempLines: string[] = [];
  private readonly tempDecls: string[] = [];
  private readonly nameMap = new Map<string, string>();
  private tempCount = 0;

  constructor(
    private readonly module: ModuleIR,
    private readonly childNames: ReadonlyMap<ModuleIR, string>,
    private readonly childPorts: ReadonlyMap<ModuleIR, ReadonlyMap<string, string>>,
  ) {}

  emit(verilogName: string): EmittedModule {
    const m = this.module;
    for (const signal of m.signals) {
      const name = this.names.claim(signal.name);
      this.signalNames.set(signal, name);
      this.nameMap.set(signal.name, name);
    }
    for (const memory of m.memories) {
      const name = this.names.claim(memory.name);
      this.memoryNames.set(memory, name);
      this.nameMap.set(memory.name, name);
    }
    const instanceNames = m.instances.map((instance) => {
      const name = this.names.claim(instance.name);
      this.nameMap.set(instance.name, name);
      return name;
    });

    const body: string[] = [];
    const memoryFiles: MemoryFile[] = [];

    for (const assign of m.assigns) {
      body.push(`  assign ${this.signalNames.get(assign.target)} = ${this.rootExpr(assign.value)};${comment(assign.loc)}`);
    }
    for (const register of m.registers) {
      body.push(...this.register(register));
    }
    for (const memory of m.memories) {
      const fileName = memory.uninitialized ? undefined : `${verilogName}_${this.memoryNames.get(memory)}.hex`;
      if (fileName) {
        memoryFiles.push({ fileName, text: memoryFileText(memory) });
      }
      body.push(...this.memory(memory, fileName));
    }
    m.instances.forEach((instance, index) => {
      const childName = this.childNames.get(instance.module) ?? instance.module.name;
      const connections: string[] = [];
      for (const port of instance.module.ports) {
        const parentSignal = instance.inputs.get(port.name) ?? instance.outputs.get(port.name);
        connections.push(`    .${this.childPorts.get(instance.module)?.get(port.name) ?? port.name}(${parentSignal ? this.signalNames.get(parentSignal) : ''})`);
      }
      body.push(`  ${childName} ${instanceNames[index]} (${comment(instance.loc)}`);
      body.push(connections.join(',\n'));
      body.push('  );');
    });

    const lines: string[] = [];
    const source = m.loc ? m.loc.file : 'TypeScript';
    lines.push(`// Generated by hdlc from ${source}. Do not edit.`);
    lines.push('`default_nettype none');
    lines.push('');
    const ports = m.ports.map((port) => {
      const dir = port.kind === 'input' ? 'input ' : 'output';
      return `  ${dir} wire ${range(port.type)}${this.signalNames.get(port)}`;
    });
    lines.push(`module ${verilogName} (${comment(m.loc)}`);
    lines.push(ports.join(',\n'));
    lines.push(');');

    const decls: string[] = [];
    const unusedOutputs: string[] = [];
    const read = readSignals(m);
    for (const signal of m.signals) {
      if (signal.kind === 'input' || signal.kind === 'output') {
        continue;
      }
      const name = this.signalNames.get(signal);
      if (signal.kind === 'instout' && !read.has(signal)) {
        unusedOutputs.push(`  wire ${range(signal.type)}${name};${comment(signal.loc)}`);
        continue;
      }
      if (signal.kind === 'reg') {
        const register = m.registers.find((r) => r.signal === signal) as Register;
        decls.push(`  reg ${range(signal.type)}${name} = ${literal(register.init, signal.type.width)};${comment(signal.loc)}`);
      } else if (signal.kind === 'memdata') {
        decls.push(`  reg ${range(signal.type)}${name} = ${literal(0n, signal.type.width)};${comment(signal.loc)}`);
      } else {
        decls.push(`  wire ${range(signal.type)}${name};${comment(signal.loc)}`);
      }
    }
    for (const memory of m.memories) {
      const attributes = Object.entries(memory.attributes ?? {})
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, value]) => `(* ${key} = "${value}" *) `)
        .join('');
      decls.push(`  ${attributes}reg ${range(memory.type)}${this.memoryNames.get(memory)} [0:${memory.depth - 1}];${comment(memory.loc)}`);
    }
    if (decls.length > 0) {
      lines.push('', ...decls);
    }
    if (unusedOutputs.length > 0) {
      // Instance outputs that this module does not need.
      lines.push('', '  /* verilator lint_off UNUSEDSIGNAL */', ...unusedOutputs, '  /* verilator lint_on UNUSEDSIGNAL */');
    }
    if (this.tempDecls.length > 0) {
      // Temporaries hold intermediate results; a later slice may use only
      // some of their bits, on purpose.
      lines.push('', '  /* verilator lint_off UNUSEDSIGNAL */', ...this.tempDecls, '  /* verilator lint_on UNUSEDSIGNAL */');
      lines.push('', ...this.tempLines);
    }
    if (body.length > 0) {
      lines.push('', ...body);
    }
    lines.push('endmodule', '', '`default_nettype wire', '');

    return { module: m, verilogName, text: lines.join('\n'), memoryFiles, nameMap: this.nameMap };
  }

  private register(register: Register): string[] {
    const name = this.signalNames.get(register.signal);
    const clock = this.signalNames.get(register.clock);
    const next = this.operand(register.next);
    const init = literal(register.init, register.signal.type.width);
    const enable = register.enable ? this.operand(register.enable) : undefined;
    const load = enable ? `if (${enable}) ${name} <= ${next};` : `${name} <= ${next};`;
    const reset = register.reset;
    const lines: string[] = [];

    if (!reset) {
      lines.push(`  always @(posedge ${clock}) ${load}${comment(register.loc)}`);
      return lines;
    }
    const resetName = this.signalNames.get(reset.signal) as string;
    const active = reset.activeLow ? `!${resetName}` : resetName;
    const sensitivity = reset.async
      ? `posedge ${clock} or ${reset.activeLow ? 'negedge' : 'posedge'} ${resetName}`
      : `posedge ${clock}`;
    lines.push(`  always @(${sensitivity}) begin${comment(register.loc)}`);
    lines.push(`    if (${active}) ${name} <= ${init};`);
    lines.push(`    else ${load}`);
    lines.push('  end');
    return lines;
  }

  private memory(memory: Memory, fileName: string | undefined): string[] {
    const name = this.memoryNames.get(memory) as string;
    const lines = fileName ? [`  initial $readmemh("${fileName}", ${name});${comment(memory.loc)}`] : [];
    const fullRange = 2 ** memory.addrWidth === memory.depth;

    // All write ports on one clock share one always block, in port order, so
    // that when two write one address on the same edge the later port wins,
    // as in the IR. Separate blocks would run in an order Verilog leaves open.
    // NOTE: ports on different clocks that rise together still race.
    const clocks = [...new Set(memory.writePorts.map((port) => port.clock))];
    for (const clockSignal of clocks) {
      const ports = memory.writePorts.filter((port) => port.clock === clockSignal);
      const writes = ports.map((port) => {
        const addr = this.operand(port.addr);
        return `if (${this.operand(port.enable)}) ${name}[${addr}] <= ${this.operand(port.data)};${comment(port.loc)}`;
      });
      const clock = this.signalNames.get(clockSignal);
      if (writes.length === 1) {
        lines.push(`  always @(posedge ${clock}) ${writes[0]}`);
      } else {
        lines.push(`  always @(posedge ${clock}) begin`, ...writes.map((w) => `    ${w}`), '  end');
      }
    }
    for (const port of memory.readPorts) {
      const clock = this.signalNames.get(port.clock);
      const data = this.signalNames.get(port.data);
      const addr = this.operand(port.addr);
      const read = fullRange
        ? `${data} <= ${name}[${addr}];`
        : `${data} <= (${addr} < ${literal(BigInt(memory.depth), memory.addrWidth)}) ? ${name}[${addr}] : ${literal(0n, memory.type.width)};`;
      const guarded = port.enable ? `if (${this.operand(port.enable)}) ${read}` : read;
      lines.push(`  always @(posedge ${clock}) ${guarded}${comment(port.loc)}`);
    }
    return lines;
  }

  /** Returns a name or literal for `expr`, making a temporary wire when it is an operator. */
  private operand(expr: Expr): string {
    if (expr.kind === 'ref') {
      return this.signalNames.get(expr.signal) as string;
    }
    if (expr.kind === 'const') {
      return literal(expr.bits, expr.type.width);
    }
    return this.temp(expr);
  }

  /** Like `operand`, but always a name, for operators that index their operand. */
  private named(expr: Expr): string {
    return expr.kind === 'const' ? this.temp(expr) : this.operand(expr);
  }

  private signedOperand(expr: Expr): string {
    return expr.type.signed ? `$signed(${this.operand(expr)})` : this.operand(expr);
  }

  private temp(expr: Expr): string {
    const existing = this.temps.get(expr);
    if (existing) {
      return existing;
    }
    // Operands first, so temporaries are numbered and declared in the order they are computed.
    const value = this.rootExpr(expr);
    const label = expr.kind === 'binary' || expr.kind === 'unary' ? expr.op : expr.kind;
    const name = this.names.claim(`_${label}${this.tempCount++}`);
    this.temps.set(expr, name);
    this.tempDecls.push(`  wire ${range(expr.type)}${name};`);
    this.tempLines.push(`  assign ${name} = ${value};${comment(expr.loc)}`);
    return name;
  }

  /** Returns the right-hand side for an assignment of exactly `expr`'s type. */
  private rootExpr(expr: Expr): string {
    switch (expr.kind) {
      case 'const':
        return literal(expr.bits, expr.type.width);
      case 'ref':
        return this.operand(expr);
      case 'unary': {
        const symbol = { not: '~', neg: '-', reduce_and: '&', reduce_or: '|', reduce_xor: '^' }[expr.op];
        return `${symbol}${this.operand(expr.arg)}`;
      }
      case 'binary': {
        const { op, left, right } = expr;
        switch (op) {
          case 'add': return `${this.operand(left)} + ${this.operand(right)}`;
          case 'sub': return `${this.operand(left)} - ${this.operand(right)}`;
          case 'and': return `${this.operand(left)} & ${this.operand(right)}`;
          case 'or': return `${this.operand(left)} | ${this.operand(right)}`;
          case 'xor': return `${this.operand(left)} ^ ${this.operand(right)}`;
          case 'mul': return `${this.signedOperand(left)} * ${this.signedOperand(right)}`;
          case 'eq': return `${this.operand(left)} == ${this.operand(right)}`;
          case 'ne': return `${this.operand(left)} != ${this.operand(right)}`;
          case 'lt': return `${this.signedOperand(left)} < ${this.signedOperand(right)}`;
          case 'le': return `${this.signedOperand(left)} <= ${this.signedOperand(right)}`;
          case 'gt': return `${this.signedOperand(left)} > ${this.signedOperand(right)}`;
          case 'ge': return `${this.signedOperand(left)} >= ${this.signedOperand(right)}`;
          case 'shl': return `${this.operand(left)} << ${this.operand(right)}`;
          case 'shr': return left.type.signed
            ? `$signed(${this.operand(left)}) >>> ${this.operand(right)}`
            : `${this.operand(left)} >> ${this.operand(right)}`;
        }
        throw new Error(`unhandled binary operator ${String(op)}`);
      }
      case 'extend': {
        const extra = expr.type.width - expr.arg.type.width;
        if (!expr.arg.type.signed) {
          return `{${literal(0n, extra)}, ${this.operand(expr.arg)}}`;
        }
        const arg = this.named(expr.arg);
        const signBit = expr.arg.type.width === 1 ? arg : `${arg}[${expr.arg.type.width - 1}]`;
        return `{{${extra}{${signBit}}}, ${arg}}`;
      }
      case 'slice': {
        const arg = this.named(expr.arg);
        if (expr.type.width === expr.arg.type.width) {
          return arg;
        }
        const hi = expr.lo + expr.type.width - 1;
        return hi === expr.lo ? `${arg}[${hi}]` : `${arg}[${hi}:${expr.lo}]`;
      }
      case 'concat':
        return `{${expr.parts.map((part) => this.operand(part)).join(', ')}}`;
      case 'cast':
        return expr.type.signed ? `$signed(${this.operand(expr.arg)})` : `$unsigned(${this.operand(expr.arg)})`;
      case 'mux':
        return `${this.operand(expr.sel)} ? ${this.operand(expr.whenTrue)} : ${this.operand(expr.whenFalse)}`;
      case 'memread': {
        const memory = this.memoryNames.get(expr.memory) as string;
        const addr = this.operand(expr.addr);
        if (2 ** expr.memory.addrWidth === expr.memory.depth) {
          return `${memory}[${addr}]`;
        }
        // The depth is below 2^addrWidth here, so it fits the address width.
        const depth = literal(BigInt(expr.memory.depth), expr.memory.addrWidth);
        return `(${addr} < ${depth}) ? ${memory}[${addr}] : ${literal(0n, expr.type.width)}`;
      }
    }
  }
}

/**
 * Emits every module of the hierarchy under `top`, children first. Modules
 * with one name but different contents get suffixed names; identical ones
 * are emitted once.
 */
export function emitDesign(top: ModuleIR): EmittedModule[] {
  const order: ModuleIR[] = [];
  const visited = new Set<ModuleIR>();
  const visit = (module: ModuleIR): void => {
    if (visited.has(module)) {
      return;
    }
    visited.add(module);
    for (const instance of module.instances) {
      visit(instance.module);
    }
    order.push(module);
  };
  visit(top);

  const childNames = new Map<ModuleIR, string>();
  const childPorts = new Map<ModuleIR, ReadonlyMap<string, string>>();
  const byText = new Map<string, string>();
  const usedNames = new Set<string>();
  const emitted: EmittedModule[] = [];

  for (const module of order) {
    // Emit under a placeholder name first, so that identical contents are
    // recognised whatever name they will get.
    const placeholder = new ModuleEmitter(module, childNames, childPorts).emit('__HDLC_MODULE__');
    const key = placeholder.text;
    childPorts.set(module, placeholder.nameMap);
    const existing = byText.get(key);
    if (existing) {
      childNames.set(module, existing);
      continue;
    }
    const base = isKeyword(module.name) ? `${module.name}_` : module.name;
    let name = base;
    for (let suffix = 1; usedNames.has(name); suffix++) {
      name = `${base}_${suffix}`;
    }
    usedNames.add(name);
    byText.set(key, name);
    childNames.set(module, name);
    emitted.push(new ModuleEmitter(module, childNames, childPorts).emit(name));
  }
  return emitted;
}
