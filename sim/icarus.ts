// Runs a design's emitted Verilog in Icarus Verilog under a generated
// testbench and reads back every top-level output on every cycle.
//
// Testbench timing, the same as the TypeScript simulator's: cycle k applies
// its inputs at time 10k (clock low), samples the outputs at 10k + 4, raises
// every clock at 10k + 5 and lowers it at 10k + 10. Results come back either
// through Icarus's VCD, read with the chevrotain VCD reader (the default), or
// through a compact per-cycle log written with $fdisplay, for long runs.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Expr, ModuleIR, Signal, Type } from '../compiler/ir.ts';
import { mask, toBits } from '../compiler/ir.ts';
import { emitDesign, type EmittedModule } from '../compiler/verilog/emit.ts';
import { readVcd } from './vcd-reader.ts';
import type { Stimulus } from './stimulus.ts';

export class ToolMissingError extends Error {
  override readonly name = 'ToolMissingError';

  constructor(tool: string, debianPackage: string) {
    super(`${tool} not found; install it with: apt-get install -y ${debianPackage}`);
  }
}

export class ToolFailedError extends Error {
  override readonly name = 'ToolFailedError';
}

/** Per output (by TypeScript name), one bit pattern per cycle; null where Icarus gave x or z. */
export type Samples = Map<string, (bigint | null)[]>;

export interface PortInfo {
  readonly name: string;
  readonly verilogName: string;
  readonly type: Type;
}

export interface IcarusOptions {
  /** 'vcd' reads Icarus's waveform (default); 'log' reads a compact per-cycle text log. */
  readonly readBack?: 'vcd' | 'log';
  /** Keep the working folder (its path is returned) instead of deleting it. */
  readonly keepDir?: boolean;
  /** Folder to work in; default: a new temporary folder. */
  readonly workDir?: string;
  /** Rewrites each emitted module's text before Icarus reads it; tests use it to inject faults. */
  readonly rewriteVerilog?: (text: string, module: string) => string;
}

export interface IcarusResult {
  readonly samples: Samples;
  readonly workDir?: string;
}

/** Runs a tool in `cwd`; a missing tool or a non-zero exit becomes an error with the first lines of its output. */
export function runTool(tool: string, debianPackage: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(tool, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new ToolMissingError(tool, debianPackage);
  }
  if (result.status !== 0) {
    const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(0, 5).join(' | ');
    throw new ToolFailedError(`${tool} failed with exit code ${result.status}: ${output}`);
  }
  return result.stdout ?? '';
}

function followRef(module: ModuleIR, signal: Signal): Signal {
  let current = signal;
  for (let hops = 0; hops < 1000; hops++) {
    const assign = module.assigns.find((a) => a.target === current);
    if (!assign || assign.value.kind !== 'ref') {
      return current;
    }
    current = (assign.value as Extract<Expr, { kind: 'ref' }>).signal;
  }
  return current;
}

/** Returns the signals of `module` that clock a register or memory port in it or in any instance below it. */
function clockSignals(module: ModuleIR): Set<Signal> {
  const clocks = new Set<Signal>();
  for (const register of module.registers) {
    clocks.add(followRef(module, register.clock));
  }
  for (const memory of module.memories) {
    for (const port of [...memory.readPorts, ...memory.writePorts]) {
      clocks.add(followRef(module, port.clock));
    }
  }
  for (const instance of module.instances) {
    for (const childClock of clockSignals(instance.module)) {
      const wire = instance.inputs.get(childClock.name);
      if (wire && childClock.kind === 'input') {
        clocks.add(followRef(module, wire));
      }
    }
  }
  return clocks;
}

/** Names of the top-level inputs that are clocks; the testbench and the simulator drive these themselves. */
export function clockInputs(top: ModuleIR): Set<string> {
  const names = new Set<string>();
  for (const signal of clockSignals(top)) {
    if (signal.kind === 'input') {
      names.add(signal.name);
    }
  }
  return names;
}

/** Returns the signals of `module` that reset a register in it or below it, each with the value that makes it active. */
function resetSignals(module: ModuleIR): Map<Signal, bigint> {
  const resets = new Map<Signal, bigint>();
  for (const register of module.registers) {
    if (register.reset) {
      resets.set(followRef(module, register.reset.signal), register.reset.activeLow ? 0n : 1n);
    }
  }
  for (const instance of module.instances) {
    for (const [childReset, active] of resetSignals(instance.module)) {
      const wire = instance.inputs.get(childReset.name);
      if (wire && childReset.kind === 'input') {
        resets.set(followRef(module, wire), active);
      }
    }
  }
  return resets;
}

/** Top-level inputs that reset registers, with their active value: random stimulus pulses these. */
export function resetInputs(top: ModuleIR): Map<string, bigint> {
  const names = new Map<string, bigint>();
  for (const [signal, active] of resetSignals(top)) {
    if (signal.kind === 'input') {
      names.set(signal.name, active);
    }
  }
  return names;
}

export interface DesignPorts {
  readonly clocks: readonly PortInfo[];
  readonly inputs: readonly PortInfo[];
  readonly outputs: readonly PortInfo[];
}

export function designPorts(top: ModuleIR, emitted: EmittedModule): DesignPorts {
  const clocks = clockInputs(top);
  const info = (signal: Signal): PortInfo => ({
    name: signal.name,
    verilogName: emitted.nameMap.get(signal.name) ?? signal.name,
    type: signal.type,
  });
  return {
    clocks: top.ports.filter((p) => p.kind === 'input' && clocks.has(p.name)).map(info),
    inputs: top.ports.filter((p) => p.kind === 'input' && !clocks.has(p.name)).map(info),
    outputs: top.ports.filter((p) => p.kind === 'output').map(info),
  };
}

// Input registers have no initializer on purpose. Icarus applies one at time
// 0 as a change from x, which is an edge. That edge wakes an asynchronous-reset
// block (`always @(posedge clk or negedge rst_n)`) before the stimulus sets
// the input, so the register would load its next value without a clock edge.
function declaration(kind: 'reg' | 'wire', type: Type, name: string): string {
  const range = type.width === 1 ? '' : `[${type.width - 1}:0] `;
  return `  ${kind} ${range}${name};`;
}

/** Writes the testbench source for `cycles` cycles. */
export function testbench(topName: string, ports: DesignPorts, cycles: number, readBack: 'vcd' | 'log'): string {
  const stimulusWidth = ports.inputs.reduce((sum, p) => sum + p.type.width, 0);
  const lines: string[] = [];
  lines.push('// Testbench generated by hdlc for a cross-check run. Do not edit.');
  lines.push('`timescale 1ns/1ns');
  lines.push('`default_nettype none', '', 'module hdlc_tb;');
  for (const clock of ports.clocks) {
    lines.push(`  reg clock_${clock.verilogName} = 1'b0;`);
  }
  for (const input of ports.inputs) {
    lines.push(declaration('reg', input.type, `in_${input.verilogName}`));
  }
  for (const output of ports.outputs) {
    lines.push(declaration('wire', output.type, `out_${output.verilogName}`));
  }
  if (stimulusWidth > 0) {
    lines.push(`  reg [${stimulusWidth - 1}:0] stimulus [0:${Math.max(cycles, 1) - 1}];`);
  }
  lines.push('  integer cycle;', '  integer log;', '');

  const connections = [
    ...ports.clocks.map((p) => `    .${p.verilogName}(clock_${p.verilogName})`),
    ...ports.inputs.map((p) => `    .${p.verilogName}(in_${p.verilogName})`),
    ...ports.outputs.map((p) => `    .${p.verilogName}(out_${p.verilogName})`),
  ];
  lines.push(`  ${topName} dut (`, connections.join(',\n'), '  );', '');

  const packed = ports.inputs.map((p) => `in_${p.verilogName}`).join(', ');
  const formats = ports.outputs.map(() => '%h').join(' ');
  const values = ports.outputs.map((p) => `out_${p.verilogName}`).join(', ');
  lines.push('  initial begin');
  if (stimulusWidth > 0) {
    lines.push('    $readmemh("hdlc_stimulus.hex", stimulus);');
  }
  if (readBack === 'vcd') {
    lines.push('    $dumpfile("hdlc_wave.vcd");', '    $dumpvars(1, hdlc_tb);');
  } else {
    lines.push('    log = $fopen("hdlc_samples.txt", "w");');
  }
  lines.push(`    for (cycle = 0; cycle < ${cycles}; cycle = cycle + 1) begin`);
  if (stimulusWidth > 0) {
    lines.push(`      {${packed}} = stimulus[cycle];`);
  }
  lines.push('      #4;');
  if (readBack === 'log' && ports.outputs.length > 0) {
    lines.push(`      $fdisplay(log, "${formats}", ${values});`);
  }
  const rise = ports.clocks.map((p) => `clock_${p.verilogName} = 1'b1;`).join(' ');
  const fall = ports.clocks.map((p) => `clock_${p.verilogName} = 1'b0;`).join(' ');
  lines.push(`      #1;${rise ? ` ${rise}` : ''}`);
  lines.push(`      #5;${fall ? ` ${fall}` : ''}`);
  lines.push('    end');
  if (readBack === 'log') {
    lines.push('    $fclose(log);');
  }
  lines.push('    $finish;', '  end', 'endmodule', '', '`default_nettype wire', '');
  return lines.join('\n');
}

/** Writes one hex line per cycle: every input's bit pattern, concatenated in port order, held values filled in. */
export function stimulusHex(ports: DesignPorts, stimulus: Stimulus): string {
  const held = new Map(ports.inputs.map((p) => [p.name, 0n]));
  const width = ports.inputs.reduce((sum, p) => sum + p.type.width, 0);
  const digits = Math.ceil(width / 4);
  const lines: string[] = [];
  for (const cycle of stimulus.cycles) {
    let packed = 0n;
    for (const port of ports.inputs) {
      const value = cycle[port.name] ?? (held.get(port.name) as bigint);
      held.set(port.name, value);
      packed = (packed << BigInt(port.type.width)) | toBits(value, port.type.width);
    }
    lines.push(packed.toString(16).padStart(digits, '0'));
  }
  return lines.join('\n') + '\n';
}

function parseLogValue(text: string, width: number): bigint | null {
  if (/[xzXZ]/.test(text)) {
    return null;
  }
  return BigInt(`0x${text}`) & mask(width);
}

/** Emits `top`, runs it in Icarus for every cycle of `stimulus` and returns the outputs it showed. */
export function runIcarus(top: ModuleIR, stimulus: Stimulus, options: IcarusOptions = {}): IcarusResult {
  const readBack = options.readBack ?? 'vcd';
  const dir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'hdlc-icarus-'));
  fs.mkdirSync(dir, { recursive: true });
  try {
    const emitted = emitDesign(top);
    const topEmitted = emitted.find((e) => e.module === top) as EmittedModule;
    const ports = designPorts(top, topEmitted);
    const sources: string[] = [];
    for (const e of emitted) {
      const text = options.rewriteVerilog ? options.rewriteVerilog(e.text, e.verilogName) : e.text;
      fs.writeFileSync(path.join(dir, `${e.verilogName}.v`), text);
      sources.push(`${e.verilogName}.v`);
      for (const memoryFile of e.memoryFiles) {
        fs.writeFileSync(path.join(dir, memoryFile.fileName), memoryFile.text);
      }
    }
    const cycles = stimulus.cycles.length;
    fs.writeFileSync(path.join(dir, 'hdlc_tb.v'), testbench(topEmitted.verilogName, ports, cycles, readBack));
    if (ports.inputs.length > 0) {
      fs.writeFileSync(path.join(dir, 'hdlc_stimulus.hex'), stimulusHex(ports, stimulus));
    }

    runTool('iverilog', 'iverilog', ['-g2005', '-o', 'hdlc_tb.vvp', '-s', 'hdlc_tb', 'hdlc_tb.v', ...sources], dir);
    runTool('vvp', 'iverilog', ['-n', 'hdlc_tb.vvp'], dir);

    const samples: Samples = new Map();
    if (readBack === 'vcd') {
      const vcd = readVcd(path.join(dir, 'hdlc_wave.vcd'));
      for (const output of ports.outputs) {
        const name = `hdlc_tb.out_${output.verilogName}`;
        const values: (bigint | null)[] = [];
        for (let cycle = 0; cycle < cycles; cycle++) {
          const value = vcd.valueAt(name, BigInt(cycle) * 10n + 4n);
          values.push(value === null ? null : value & mask(output.type.width));
        }
        samples.set(output.name, values);
      }
    } else {
      const rows = fs.readFileSync(path.join(dir, 'hdlc_samples.txt'), 'utf8').trim().split('\n');
      ports.outputs.forEach((output, column) => {
        samples.set(output.name, rows.slice(0, cycles).map((row) => parseLogValue(row.trim().split(/\s+/)[column] ?? 'x', output.type.width)));
      });
    }
    return { samples, workDir: options.keepDir ? dir : undefined };
  } finally {
    if (!options.keepDir && !options.workDir) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
