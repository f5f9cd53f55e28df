// The face classifier end to end: every replayed int8 embedding (test faces
// and evaluation strangers) through the integer golden model, the TypeScript
// simulation of the design and, with --icarus, Icarus Verilog running the
// built RTL. Prints the agreement counts, the accuracy and the open-set
// figures, and the run time.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { faceSvm } from '../designs/face-svm.ts';
import type { ModuleIR } from '../compiler/ir.ts';
import { Simulator } from '../sim/simulator.ts';
import { readReplayVectors, replayVectorFiles, type ReplayEntry } from './artifacts.ts';
import { classifyInt, loadIntModel, type IntClassification, type IntModel } from './integer-model.ts';
import { classifyOnHardware, loadWeights, resetDesign } from './face-hardware.ts';
import { classifyInIcarus, writeFaceDesign } from './face-icarus.ts';

function describeOutcome(outcome: IntClassification): string {
  const flag = outcome.unknown ? 'unknown' : 'accepted';
  return `class ${outcome.classIndex}, score ${outcome.score}, second score ${outcome.secondScore}, ${flag}`;
}

/**
 * Checks that each `golden[i]`, from classifyInt with the loaded weights, equals the outcome recorded for
 * `entries[i]`, and throws otherwise: a mismatch means the vectors were written for other weights or threshold.
 */
export function checkRecordedOutcomes(entries: readonly ReplayEntry[], golden: readonly IntClassification[], indexFile: string, weightsFile: string): void {
  const mismatches = entries
    .map((entry, i) => ({ entry, actual: golden[i] }))
    .filter(({ entry, actual }) =>
      entry.expected.classIndex !== actual.classIndex ||
      entry.expected.score !== actual.score ||
      entry.expected.secondScore !== actual.secondScore ||
      entry.expected.unknown !== actual.unknown);
  if (mismatches.length === 0) {
    return;
  }
  const { entry, actual } = mismatches[0];
  throw new Error(
    `${indexFile} was written for other weights than ${weightsFile}: ${mismatches.length} of ${entries.length} checked entries disagree. ` +
    `Entry ${entry.row} (${entry.file}) expects ${describeOutcome(entry.expected)}, but the weights give ${describeOutcome(actual)}. ` +
    'Pass the --weights that the vectors were written with, or the matching --vectors.',
  );
}

export interface FaceOutcome {
  readonly classIndex: number;
  readonly score: bigint;
  readonly unknown: boolean;
}

function same(a: FaceOutcome, b: FaceOutcome): boolean {
  return a.classIndex === b.classIndex && a.score === b.score && a.unknown === b.unknown;
}

function progressBar(label: string, total: number): SingleBar {
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} faces | {rate} faces/s | ETA {eta_formatted}`,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
  }, Presets.shades_classic);
  bar.start(total, 0, { rate: '0.0' });
  return bar;
}

/** Runs the faces through the TypeScript simulation of the design. */
export function simulateFaces(model: IntModel, top: ModuleIR, entries: readonly ReplayEntry[], lanes: number, storage: 'rom' | 'ram', quiet = false): FaceOutcome[] {
  const sim = new Simulator(top);
  resetDesign(sim);
  if (storage === 'ram') {
    loadWeights(sim, model, lanes);
  }
  const bar = quiet ? undefined : progressBar('TypeScript simulation', entries.length);
  const started = performance.now();
  const results = entries.map((entry, i) => {
    const result = classifyOnHardware(sim, entry.vector, { lanes });
    bar?.update(i + 1, { rate: ((i + 1) / ((performance.now() - started) / 1000)).toFixed(1) });
    return result;
  });
  bar?.stop();
  return results;
}

/** Runs the faces through Icarus on freshly emitted Verilog, in chunks so that progress shows. */
export function icarusFaces(model: IntModel, top: ModuleIR, entries: readonly ReplayEntry[], lanes: number, storage: 'rom' | 'ram', chunk = 200, quiet = false): FaceOutcome[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hdlc-faces-'));
  try {
    const options = writeFaceDesign(top, dir, lanes, storage);
    const bar = quiet ? undefined : progressBar('Icarus Verilog', entries.length);
    const started = performance.now();
    const results: FaceOutcome[] = [];
    for (let start = 0; start < entries.length; start += chunk) {
      const faces = entries.slice(start, start + chunk).map((e) => e.vector);
      results.push(...classifyInIcarus(model, faces, options));
      bar?.update(results.length, { rate: (results.length / ((performance.now() - started) / 1000)).toFixed(1) });
    }
    bar?.stop();
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Parses the value of a command-line option that must be a positive whole number. */
function parsePositiveInteger(option: string, value: string): number {
  const parsed = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(`${option} must be a positive whole number, got '${value}'`);
  }
  return parsed;
}

const help = `Usage: npm run faces -- [options]

Runs every replayed int8 embedding through the integer golden model and the
TypeScript simulation of designs/face-svm.ts (and Icarus Verilog with
--icarus), checks that class, score and unknown flag agree everywhere, and
prints the accuracy and the open-set figures.

Options:
  --weights FILE   trained weights (default: generated/lfw/weights.json)
  --vectors BASE   replay vectors BASE.json and BASE.bin, written for the
                   same weights; BASE may end in .json or .bin
                   (default: generated/lfw/test-set)
  --sets LIST      comma-separated sets to run: test, stranger-evaluation
                   (default: both)
  --lanes N        multiply-accumulate lanes of the design, a divisor of
                   the embedding length (default 8)
  --storage KIND   rom or ram (default ram)
  --limit N        only the first N faces of each set
  --icarus         also run Icarus Verilog on the emitted RTL
  -h, --help       show this help`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      weights: { type: 'string', default: 'generated/lfw/weights.json' },
      vectors: { type: 'string', default: 'generated/lfw/test-set' },
      sets: { type: 'string', default: 'test,stranger-evaluation' },
      lanes: { type: 'string', default: '8' },
      storage: { type: 'string', default: 'ram' },
      limit: { type: 'string' },
      icarus: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(help);
    return 0;
  }
  const lanes = parsePositiveInteger('--lanes', values.lanes);
  const storage = values.storage as 'rom' | 'ram';
  if (storage !== 'rom' && storage !== 'ram') {
    throw new Error(`--storage must be rom or ram, got '${values.storage}'`);
  }
  const limit = values.limit === undefined ? Infinity : parsePositiveInteger('--limit', values.limit);
  const sets = values.sets.split(',').map((s) => s.trim()).filter((s) => s.length > 0);

  const started = performance.now();
  const model = loadIntModel(values.weights);
  const { indexFile } = replayVectorFiles(values.vectors);
  const all = readReplayVectors(values.vectors, model.dims);
  const entries: ReplayEntry[] = [];
  for (const set of sets) {
    const members = all.filter((e) => e.set === set);
    if (members.length === 0) {
      throw new Error(`no vectors of set '${set}' in ${indexFile}; sets there: ${[...new Set(all.map((e) => e.set))].join(', ')}`);
    }
    entries.push(...members.slice(0, limit));
  }
  const golden = entries.map((e) => classifyInt(model, e.vector));
  checkRecordedOutcomes(entries, golden, indexFile, values.weights);

  const top = faceSvm(model, { lanes, storage }).elaborate();
  console.log(`face classifier: C=${model.classes.length}, D=${model.dims}, LANES=${lanes}, storage ${storage}, rule ${model.rule}, threshold ${model.threshold}`);

  const simulated = simulateFaces(model, top, entries, lanes, storage);
  const icarus = values.icarus ? icarusFaces(model, top, entries, lanes, storage) : undefined;
  const cycles = (simulated[0] as { cycles?: number } | undefined)?.cycles;

  let failures = 0;
  for (const set of sets) {
    const rows = entries.map((e, i) => ({ e, i })).filter(({ e }) => e.set === set);
    const simAgree = rows.filter(({ i }) => same(golden[i], simulated[i])).length;
    const icarusAgree = icarus ? rows.filter(({ i }) => same(golden[i], icarus[i])).length : undefined;
    failures += rows.length - simAgree + (icarusAgree === undefined ? 0 : rows.length - icarusAgree);

    console.log(`\n${set}: ${rows.length} faces`);
    console.log(`  golden model = TypeScript simulation (class, score, flag): ${simAgree}/${rows.length}`);
    if (icarusAgree !== undefined) {
      console.log(`  golden model = Icarus Verilog (class, score, flag):        ${icarusAgree}/${rows.length}`);
    }
    const accepted = rows.filter(({ i }) => !simulated[i].unknown);
    if (set === 'test') {
      const correct = rows.filter(({ e, i }) => simulated[i].classIndex === e.label).length;
      const acceptedCorrect = accepted.filter(({ e, i }) => simulated[i].classIndex === e.label).length;
      console.log(`  top-1 accuracy (ignoring the unknown flag): ${(100 * correct / rows.length).toFixed(2)} % (${correct}/${rows.length})`);
      console.log(`  accepted and correctly named: ${(100 * acceptedCorrect / rows.length).toFixed(2)} % (${acceptedCorrect}/${rows.length})`);
      const rejected = rows.length - accepted.length;
      console.log(`  rejected as unknown: ${(100 * rejected / rows.length).toFixed(2)} % (${rejected}/${rows.length})`);
    } else {
      console.log(`  strangers accepted (false accepts): ${(100 * accepted.length / rows.length).toFixed(2)} % (${accepted.length}/${rows.length})`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n${cycles === undefined ? '' : `${cycles} cycles per face from the first input beat; `}run time ${seconds.toFixed(1)} s`);
  if (failures > 0) {
    console.error(`face-check: ${failures} disagreement(s) between the golden model and a simulation`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (error: Error) => {
      console.error(`face-check: ${error.message}`);
      process.exitCode = 1;
    },
  );
}
