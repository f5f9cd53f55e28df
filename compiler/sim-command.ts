// `hdlc sim`: simulates a design in the TypeScript simulator, optionally
// writes a VCD waveform, and with --icarus cross-checks every output on every
// cycle against Icarus Verilog running the emitted Verilog.

import { parseArgs } from 'node:util';
import { CommandFailedError, loadDesign, UsageError } from './build.ts';
import type { ModuleIR } from './ir.ts';
import { toInteger } from './ir.ts';
import { crossCheck, formatMismatch, simulateSamples } from '../sim/cross-check.ts';
import { clockInputs, resetInputs } from '../sim/icarus.ts';
import { Simulator } from '../sim/simulator.ts';
import { randomStimulus, readVectors, type CycleInputs, type Stimulus } from '../sim/stimulus.ts';
import { readVcd } from '../sim/vcd-reader.ts';

export const simHelp = `Usage: hdlc sim <design.ts> [--vectors FILE] [--cycles N] [--vcd FILE] [--icarus] [--interpreter]

Simulates a design cycle by cycle in the TypeScript simulator, which runs
JavaScript generated for the design (or, with --interpreter, the reference
interpreter; both give the same results). Inputs come
from a vectors file, or are random (reset inputs pulsed now and then, always
in cycle 0). The clock is driven by the simulator.

Options:
  --vectors FILE     per-cycle input values. A table: the first line names
                     the inputs, each later line gives one cycle's values
                     (decimal, negative for signed inputs, or hex with 0x;
                     '#' starts a comment). Or a .json array with one
                     object per cycle, {"input": value}, values as numbers
                     or as decimal or 0x strings. An input left out of a
                     cycle keeps its value from the cycle before.
  --cycles N         cycles to run (default: the vectors' length, or 100);
                     with vectors, the last values are held past their end
  --seed S           seed of the random stimulus (default 1)
  --vcd FILE         write the TypeScript simulation as a VCD waveform, then
                     read it back through the VCD reader and check it
  --icarus           also run the emitted Verilog in Icarus Verilog and
                     compare every output on every cycle
  --log              with --icarus, read Icarus results from a compact
                     per-cycle log instead of its VCD (faster on long runs)
  --interpreter      run the reference interpreter instead of the compiled
                     simulator (slower)
  --top NAME         the export to simulate (default: the default export)
  --param key=value  a generator parameter; repeat for several
  -h, --help         show this help`;

function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`${option} must be a whole number 1 or more, got '${text}'`);
  }
  return value;
}

function stimulusFor(top: ModuleIR, vectors: string | undefined, cycles: number | undefined, seed: number): Stimulus {
  const clocks = clockInputs(top);
  const inputs = top.ports.filter((p) => p.kind === 'input' && !clocks.has(p.name));
  if (!vectors) {
    return randomStimulus(inputs, cycles ?? 100, seed, resetInputs(top));
  }
  const read = readVectors(vectors, inputs);
  if (cycles === undefined || cycles === read.cycles.length) {
    return read;
  }
  const held: CycleInputs[] = read.cycles.slice(0, cycles);
  while (held.length < cycles) {
    held.push({});
  }
  return { cycles: held };
}

/** Reads the VCD back and checks that every output matches what the simulator showed. */
function verifyVcd(file: string, top: ModuleIR, samples: Map<string, (bigint | null)[]>, cycles: number): string {
  const vcd = readVcd(file);
  for (const output of top.ports.filter((p) => p.kind === 'output')) {
    const expected = samples.get(output.name) as (bigint | null)[];
    for (let cycle = 0; cycle < cycles; cycle++) {
      const value = vcd.valueAt(`${top.name}.${output.name}`, BigInt(cycle) * 10n + 4n);
      if (value !== expected[cycle]) {
        throw new CommandFailedError(`VCD ${file} reads back ${value} for '${output.name}' at cycle ${cycle}, but the simulator showed ${expected[cycle]}`);
      }
    }
  }
  return `read back through the VCD reader: every output matches on all ${cycles} cycles`;
}

export async function runSim(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      vectors: { type: 'string' },
      cycles: { type: 'string' },
      seed: { type: 'string', default: '1' },
      vcd: { type: 'string' },
      icarus: { type: 'boolean', default: false },
      log: { type: 'boolean', default: false },
      interpreter: { type: 'boolean', default: false },
      top: { type: 'string' },
      param: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(simHelp);
    return;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`hdlc sim takes one design file, got ${positionals.length}; see 'hdlc sim --help'`);
  }
  const cycles = values.cycles === undefined ? undefined : positiveInteger(values.cycles, '--cycles');
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed)) {
    throw new UsageError(`--seed must be an integer, got '${values.seed}'`);
  }

  const design = await loadDesign(positionals[0], values.top, values.param);
  const top = design.top;
  const stimulus = stimulusFor(top, values.vectors, cycles, seed);
  const count = stimulus.cycles.length;

  const started = performance.now();
  const simulator = new Simulator(top, { backend: values.interpreter ? 'interpreter' : 'compiled' });
  const writer = values.vcd ? simulator.traceVcd(values.vcd) : undefined;
  const samples = simulateSamples(top, stimulus, simulator);
  writer?.close();
  const seconds = (performance.now() - started) / 1000;
  console.log(`hdlc: simulated ${count} cycles of '${top.name}' in ${seconds.toFixed(2)} s (${simulator.backend === 'compiled' ? 'compiled simulator' : 'interpreter'})`);

  const outputs = top.ports.filter((p) => p.kind === 'output');
  const last = outputs.map((p) => `${p.name}=${toInteger((samples.get(p.name) as bigint[])[count - 1] ?? 0n, p.type)}`);
  if (last.length > 0) {
    console.log(`  outputs in the last cycle: ${last.join(' ')}`);
  }
  if (values.vcd) {
    console.log(`  wrote ${values.vcd}; ${verifyVcd(values.vcd, top, samples, count)}`);
  }

  if (values.icarus) {
    const icarusStarted = performance.now();
    const result = crossCheck(top, stimulus, { readBack: values.log ? 'log' : 'vcd' });
    const icarusSeconds = (performance.now() - icarusStarted) / 1000;
    if (result.mismatch) {
      throw new CommandFailedError(`Icarus disagrees: ${formatMismatch(result.mismatch)}`);
    }
    console.log(`  Icarus agrees: ${result.outputs} output(s) on all ${result.cycles} cycles (${icarusSeconds.toFixed(2)} s)`);
  }
}
