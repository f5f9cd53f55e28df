// `npm run bench`: simulated cycles per second of the interpreter, the
// compiled simulator, Icarus Verilog and Verilator (when installed), on the
// face classifier (C = 423, D = 128, LANES = 8) and on a mid-sized fuzz
// design, all in one run on this machine. Each round runs every simulator
// once, so a change in machine load hits them alike; the figures are the
// median over the rounds. Build and compile times are measured apart from
// the runs. Prints the table and the ratios and writes bench/RESULTS.md,
// with a CPU profile of the compiled simulator on the face classifier.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { FaceBench, type Measurement } from './face-bench.ts';
import { benchModel } from './face-model.ts';
import { FuzzBench, FUZZ_MAX_NODES, FUZZ_SEED } from './fuzz-bench.ts';
import { PROFILED_FUNCTIONS } from './profile.ts';
import { verilatorVersion } from './verilator.ts';

const SIMULATORS = ['interpreter', 'compiled', 'Icarus', 'Verilator'] as const;
type SimulatorName = (typeof SIMULATORS)[number];

/** Faces (face classifier) or cycles (fuzz design) per run, sized so each run lasted about 0.2 to 4 s on the machine of RESULTS.md. */
const FACE_RUNS: Record<SimulatorName, number> = { interpreter: 2, compiled: 2000, Icarus: 10, Verilator: 2000 };
const FUZZ_RUNS: Record<SimulatorName, number> = { interpreter: 4000, compiled: 200_000, Icarus: 10_000, Verilator: 2_000_000 };

interface Row {
  readonly simulator: SimulatorName;
  /** Seconds to build the simulator or compile the model, once per design. */
  readonly buildSeconds: number;
  readonly runs: Measurement[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function rate(run: Measurement): number {
  return run.cycles / run.seconds;
}

function medianRate(row: Row): number {
  return median(row.runs.map(rate));
}

function machine(): string[] {
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  const icarus = execFileSync('iverilog', ['-V'], { encoding: 'utf8' }).split('\n')[0].trim();
  return [
    `- CPU: ${cpu}, \`nproc\` = ${execFileSync('nproc', { encoding: 'utf8' }).trim()}`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Load average at the start (1, 5, 15 min): ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`,
    `- Node.js ${process.version}, ${icarus}, ${verilatorVersion() ?? 'Verilator not installed'}`,
  ];
}

/** Builds each simulator once, then runs `rounds` rounds of one `run` per simulator, and returns one row per simulator. */
function measure(
  label: string,
  rounds: number,
  simulators: readonly SimulatorName[],
  build: (simulator: SimulatorName) => number,
  run: (simulator: SimulatorName) => Measurement,
): Row[] {
  const rows = simulators.map((simulator) => {
    console.log(`${label}: building for ${simulator}`);
    return { simulator, buildSeconds: build(simulator), runs: [] as Measurement[] };
  });
  for (let round = 0; round < rounds; round++) {
    for (const row of rows) {
      const result = run(row.simulator);
      row.runs.push(result);
      console.log(`${label}: round ${round + 1}/${rounds}, ${row.simulator}: ${result.cycles} cycles in ${result.seconds.toFixed(3)} s`);
    }
  }
  return rows;
}

function formatRate(value: number): string {
  if (value >= 1e6) {
    return `${(value / 1e6).toFixed(2)} M`;
  }
  return value >= 1e3 ? `${(value / 1e3).toFixed(1)} k` : value.toFixed(0);
}

function table(rows: readonly Row[]): string[] {
  const lines = [
    '| Simulator | Build or compile (s) | Cycles per run | Median cycles/s | Slowest to fastest run (cycles/s) |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const rates = row.runs.map(rate);
    lines.push(
      `| ${row.simulator} | ${row.buildSeconds.toFixed(3)} | ${row.runs[0].cycles} | ${formatRate(medianRate(row))} | ` +
        `${formatRate(Math.min(...rates))} to ${formatRate(Math.max(...rates))} |`,
    );
  }
  return lines;
}

function ratios(rows: readonly Row[]): string[] {
  const byName = new Map(rows.map((row) => [row.simulator, medianRate(row)]));
  const compiled = byName.get('compiled')!;
  const lines = [
    `- compiled / interpreter: ${(compiled / byName.get('interpreter')!).toFixed(1)}×`,
    `- compiled / Icarus: ${(compiled / byName.get('Icarus')!).toFixed(0)}×`,
  ];
  const verilator = byName.get('Verilator');
  lines.push(verilator === undefined ? '- compiled / Verilator: Verilator is not installed' : `- compiled / Verilator: ${(compiled / verilator).toFixed(2)}×`);
  return lines;
}

/**
 * Profiles a workload of bench/profile.ts in a child process with
 * `node --cpu-prof`. Returns the functions with the most self time in the
 * samples taken inside the timed loop, as Markdown table rows, and the
 * share of the generated code.
 */
function profile(workload: 'face' | 'fuzz', top = 15): ProfileSummary {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hdlc-bench-profile-'));
  try {
    execFileSync(process.execPath, ['--import', 'tsx', '--cpu-prof', '--cpu-prof-dir', dir, 'bench/profile.ts', workload], { stdio: 'inherit' });
    const file = fs.readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (file === undefined) {
      throw new Error(`node --cpu-prof wrote no profile into ${dir}`);
    }
    const result = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    return summarizeProfile(result, top);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface CpuProfile {
  readonly nodes: readonly { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

interface ProfileSummary {
  readonly rows: string[];
  /** Share of the samples in generated functions (settle*, edge, prepare*, commit*, the run loops), from 0 to 1. */
  readonly generatedShare: number;
}

const GENERATED_FUNCTION = /^(?:settle\d*|edge|prepare\d+|commit\d+|runSteps|runUntil)$/;

function summarizeProfile(result: CpuProfile, top: number): ProfileSummary {
  const nodes = new Map(result.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of result.nodes) {
    for (const child of node.children ?? []) {
      parents.set(child, node.id);
    }
  }
  const insideWorkload = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      if (PROFILED_FUNCTIONS.has(nodes.get(at)!.callFrame.functionName)) {
        return true;
      }
    }
    return false;
  };

  const selfTime = new Map<string, number>();
  let total = 0;
  let generated = 0;
  result.samples.forEach((id, i) => {
    if (!insideWorkload(id)) {
      return;
    }
    const frame = nodes.get(id)!.callFrame;
    if (frame.url === '' && GENERATED_FUNCTION.test(frame.functionName)) {
      generated += result.timeDeltas[i];
    }
    const file = frame.url.replace(/^file:\/\/.*?\/(?=(?:sim|runtime|bench|compiler|designs)\/)/, '');
    // Line numbers are left out: for modules that tsx compiles, the profile gives line 1.
    const key = frame.url ? `${frame.functionName || '(anonymous)'} (${file})` : frame.functionName || '(anonymous)';
    selfTime.set(key, (selfTime.get(key) ?? 0) + result.timeDeltas[i]);
    total += result.timeDeltas[i];
  });
  const rows = [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([key, time]) => `| ${(100 * time / total).toFixed(1)}% | ${key.replace(/\|/g, '\\|')} |`);
  return { rows, generatedShare: generated / total };
}

/** States whether the compiled simulator met the targets on the face classifier, with the measured ratios. */
function targets(rows: readonly Row[], faceProfile: ProfileSummary): string[] {
  const byName = new Map(rows.map((row) => [row.simulator, medianRate(row)]));
  const compiled = byName.get('compiled')!;
  const overIcarus = compiled / byName.get('Icarus')!;
  const verilator = byName.get('Verilator');
  const lines = [
    `- At least 500 times Icarus: ${overIcarus >= 500 ? 'met' : 'not met'}, ${overIcarus.toFixed(0)}×.`,
    verilator === undefined
      ? '- At least as fast as Verilator: not measured, Verilator is not installed.'
      : `- At least as fast as Verilator: ${compiled >= verilator ? 'met' : 'not met'}, ${(compiled / verilator).toFixed(2)}×.`,
    '',
    `In the profile below, the generated functions (settle, edge and the run loops) take ${(100 * faceProfile.generatedShare).toFixed(0)}% of the face`,
    "classifier's time. The rest is the Simulator API (stepUntil, step, set, into which V8 may inline generated code)",
    'and the host driver, which the C++ harness does with plain field reads.',
  ];
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error(`--rounds must be a whole number 1 or more, got '${values.rounds}'`);
  }
  const started = new Date();
  const hasVerilator = verilatorVersion() !== undefined;
  const simulators = SIMULATORS.filter((name) => name !== 'Verilator' || hasVerilator);
  const machineLines = machine();

  const { model, source } = benchModel();
  const face = new FaceBench(model);
  // Icarus's cycle count comes from the same workload in the compiled simulator, run after the builds are timed.
  let icarusFaceCycles: number | undefined;
  const faceRows = measure('face classifier', rounds, simulators, (simulator) => {
    switch (simulator) {
      case 'interpreter': case 'compiled': return face.buildTime(simulator);
      case 'Icarus': return face.prepareIcarus(FACE_RUNS.Icarus);
      case 'Verilator': return face.prepareVerilator(FACE_RUNS.Verilator);
    }
  }, (simulator) => {
    switch (simulator) {
      case 'interpreter': case 'compiled': return face.runTypeScript(simulator, FACE_RUNS[simulator]);
      case 'Icarus':
        icarusFaceCycles ??= face.runTypeScript('compiled', FACE_RUNS.Icarus).cycles;
        return face.runIcarus(icarusFaceCycles);
      case 'Verilator': return face.runVerilator();
    }
  });
  face.cleanUp();

  const fuzz = new FuzzBench();
  const fuzzSize = fuzz.size();
  let compiledChecksum: number | undefined;
  const fuzzRows = measure('fuzz design', rounds, simulators, (simulator) => {
    switch (simulator) {
      case 'interpreter': case 'compiled': return fuzz.buildTime(simulator);
      case 'Icarus': return fuzz.prepareIcarus(FUZZ_RUNS.Icarus);
      case 'Verilator': return fuzz.prepareVerilator();
    }
  }, (simulator) => {
    switch (simulator) {
      case 'interpreter': case 'compiled': {
        const run = fuzz.runTypeScript(simulator, FUZZ_RUNS[simulator]);
        if (simulator === 'compiled') {
          compiledChecksum = run.checksum;
        }
        return run;
      }
      case 'Icarus': return fuzz.runIcarus(FUZZ_RUNS.Icarus);
      case 'Verilator': {
        const run = fuzz.runVerilator(FUZZ_RUNS.compiled);
        if (run.checksum !== compiledChecksum) {
          throw new Error(`Verilator's output checksum ${run.checksum} differs from the compiled simulator's ${compiledChecksum}`);
        }
        return fuzz.runVerilator(FUZZ_RUNS.Verilator);
      }
    }
  });
  fuzz.cleanUp();
  console.log('profiling the compiled simulator');
  const faceProfile = profile('face');
  const fuzzProfile = profile('fuzz');

  const report = [
    '# Simulation benchmark',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${started.toISOString()}; ${rounds} ${rounds === 1 ? 'round' : 'rounds'}, each running every simulator once.`,
    'Cycles per second are simulated clock cycles per second of wall time, median over the rounds. The TypeScript',
    'times exclude building the simulator and the Verilator times are measured inside the C++ harness; the Icarus',
    'times are whole `vvp` runs, start-up included. Build and compile times are listed apart: the first build of a',
    'TypeScript simulator in the process (flattening and checks, plus code generation when compiled), `iverilog` alone,',
    'and the whole `verilator --build` (Verilog to C++ to an executable, two make jobs).',
    '',
    '## Machine',
    '',
    ...machineLines,
    '',
    '## Face classifier',
    '',
    `designs/face-svm.ts at C = ${model.classes.length}, D = ${model.dims}, LANES = 8, storage "ram", weights: ${source}.`,
    'Each run resets the design, writes every weight word through the weight port, then classifies random int8 faces',
    `(${FACE_RUNS.interpreter} for the interpreter, ${FACE_RUNS.compiled} compiled, ${FACE_RUNS.Icarus} in Icarus, ${FACE_RUNS.Verilator} in Verilator) with the steps of`,
    'runtime/face-hardware.ts, one input or output access per cycle as a test would make them. Every class and score',
    'is checked against the integer golden model. Icarus runs the testbench of runtime/face-icarus.ts; its cycle count',
    'is that of the same workload in the compiled simulator.',
    '',
    ...table(faceRows),
    '',
    ...ratios(faceRows),
    '',
    '### Targets',
    '',
    ...targets(faceRows, faceProfile),
    '',
    '## Fuzz design',
    '',
    `The fuzzer's design of seed ${FUZZ_SEED} with up to ${FUZZ_MAX_NODES} nodes (sim/fuzz/generate.ts): ${fuzzSize}.`,
    'Every cycle sets every input from the fuzzer\'s random stimulus and reads every output. Icarus writes every output',
    'to a log each cycle, as the cross-check does, and its outputs are checked against the compiled simulator; the',
    'Verilator harness folds the outputs into a checksum that must equal the compiled simulator\'s.',
    '',
    ...table(fuzzRows),
    '',
    ...ratios(fuzzRows),
    '',
    '## Where the compiled simulator spends its time',
    '',
    'Self time by function in one more compiled run of each workload (`node --cpu-prof` on bench/profile.ts, counting',
    'only samples inside the timed loop: 1000 faces, or 200,000 fuzz design cycles). `settle*`, `edge`, `runUntil` and',
    '`runSteps` are the generated code (the run loops hold the settle and edge code of a small design inline); the rest',
    'is the Simulator API and the driver or benchmark loop. Small functions that V8 inlines count toward their caller.',
    '',
    '| Self time | Function (face classifier) |',
    '|---:|---|',
    ...faceProfile.rows,
    '',
    '| Self time | Function (fuzz design) |',
    '|---:|---|',
    ...fuzzProfile.rows,
    '',
  ];
  fs.writeFileSync('bench/RESULTS.md', report.join('\n'));

  console.log('\nFace classifier');
  console.log(table(faceRows).join('\n'));
  console.log(ratios(faceRows).join('\n'));
  console.log('\nFuzz design');
  console.log(table(fuzzRows).join('\n'));
  console.log(ratios(fuzzRows).join('\n'));
  console.log('\nwrote bench/RESULTS.md');
}

await main();
