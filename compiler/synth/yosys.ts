// Synthesis with Yosys synth_ice40, and the cell counts of its netlist.
//
// Workaround for Yosys 0.23: its ice40_dsp pass can take the register
// of one multiplier's product as the C/D input register of another
// multiplier's SB_MAC16 (when an adder sums the two registered products),
// while the first multiplier's SB_MAC16 claims the same register as its own
// output register. One of the two DSPs then disappears and the adder reads
// x, with a normal-looking report. Seen on the face classifier at 2 and more
// lanes, caught by the gate-level check. The script marks every register fed
// straight by a multiplier `keep`, which ice40_dsp honours for C/D input
// registers only: products still land in the DSP's own output register and
// the adder still moves into the DSP, reading the other DSP's output.

import fs from 'node:fs';
import path from 'node:path';
import type { Device } from './devices.ts';
import { ToolFailedError } from '../../sim/icarus.ts';
import { lastLines, runTool } from './tools.ts';

export interface YosysOptions {
  /** Verilog files, relative to `dir`, which also contains their memory files. */
  readonly sources: readonly string[];
  readonly top: string;
  readonly device: Device;
  readonly dir: string;
  /** Apply the ice40_dsp workaround above; default true. */
  readonly dspWorkaround?: boolean;
}

/** Cells of the synthesized netlist, by type, plus the totals that reports need. */
export interface YosysResult {
  readonly cells: Record<string, number>;
  readonly luts: number;
  readonly flipFlops: number;
  readonly carries: number;
  readonly dsps: number;
  readonly blockRams: number;
  readonly sprams: number;
  /** Bits of the top module's ports: the I/O pins it needs. */
  readonly portBits: number;
  readonly netlistJson: string;
  readonly netlistVerilog: string;
  readonly log: string;
  readonly seconds: number;
}

export const NETLIST_JSON = 'netlist.json';
export const NETLIST_VERILOG = 'netlist.v';
export const YOSYS_LOG = 'yosys.log';

/** Builds the Yosys script: read, mark product registers, synth_ice40, then write the netlist as JSON and Verilog. */
export function yosysScript(options: YosysOptions): string {
  const commands = [
    `read_verilog ${options.sources.join(' ')}`,
    `hierarchy -top ${options.top}`,
    'proc',
    'flatten',
    'opt_clean',
  ];
  if (options.dspWorkaround ?? true) {
    commands.push(
      'select -set product_registers t:$mul %co2 t:$dff t:$dffe %u %i',
      'setattr -set keep 1 @product_registers %co1:+[Q] w:* %i',
      'select -clear',
    );
  }
  commands.push(
    ['synth_ice40', '-top', options.top, ...options.device.yosysOptions, '-json', NETLIST_JSON].join(' '),
    `write_verilog -noattr ${NETLIST_VERILOG}`,
  );
  return commands.join('\n') + '\n';
}

interface JsonNetlist {
  modules: Record<string, {
    ports: Record<string, { direction: string; bits: unknown[] }>;
    cells: Record<string, { type: string }>;
  }>;
}

/** Counts cells by type in the top module of a Yosys JSON netlist. */
export function countCells(netlist: JsonNetlist, top: string): { cells: Record<string, number>; portBits: number } {
  const module = netlist.modules[top];
  if (!module) {
    throw new Error(`the Yosys netlist has no module '${top}'; it has: ${Object.keys(netlist.modules).join(', ')}`);
  }
  const cells: Record<string, number> = {};
  for (const cell of Object.values(module.cells)) {
    cells[cell.type] = (cells[cell.type] ?? 0) + 1;
  }
  const portBits = Object.values(module.ports).reduce((sum, port) => sum + port.bits.length, 0);
  return { cells, portBits };
}

/** Runs Yosys in `options.dir`; throws with the last lines of its log when it fails. */
export function synthesize(options: YosysOptions): YosysResult {
  const scriptFile = path.join(options.dir, 'synth.ys');
  fs.writeFileSync(scriptFile, yosysScript(options));
  const run = runTool('yosys', ['-q', '-l', YOSYS_LOG, '-s', 'synth.ys'], options.dir);
  const log = path.join(options.dir, YOSYS_LOG);
  if (run.status !== 0) {
    throw new ToolFailedError(`yosys failed with exit code ${run.status} (log: ${log}): ${lastLines(run.output, 3)}`);
  }

  const netlistJson = path.join(options.dir, NETLIST_JSON);
  const { cells, portBits } = countCells(JSON.parse(fs.readFileSync(netlistJson, 'utf8')) as JsonNetlist, options.top);
  const sum = (predicate: (type: string) => boolean) =>
    Object.entries(cells).filter(([type]) => predicate(type)).reduce((total, [, count]) => total + count, 0);
  return {
    cells,
    luts: sum((type) => type === 'SB_LUT4'),
    flipFlops: sum((type) => type.startsWith('SB_DFF')),
    carries: sum((type) => type === 'SB_CARRY'),
    dsps: sum((type) => type === 'SB_MAC16'),
    blockRams: sum((type) => type.startsWith('SB_RAM40_4K')),
    sprams: sum((type) => type === 'SB_SPRAM256KA'),
    portBits,
    netlistJson,
    netlistVerilog: path.join(options.dir, NETLIST_VERILOG),
    log,
    seconds: run.seconds,
  };
}
