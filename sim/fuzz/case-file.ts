// Fuzz case files: a minimal failing design written as JSON, so that it can
// be read, replayed by the regression test and shrunk again.
//
// A file contains the recipe and the stimulus (one object per cycle, input
// id to a decimal integer). It records whether the design was checked inside
// the batch wrapper and the failure the fuzzer saw: both values of the first
// differing output, or the error. The emitted Verilog is included for
// reading. A known Icarus difference adds an explanation and the name of its
// workaround (see known.ts).

import fs from 'node:fs';
import path from 'node:path';
import { toInteger, typeName } from '../../compiler/ir.ts';
import { emitDesign } from '../../compiler/verilog/emit.ts';
import type { Stimulus } from '../stimulus.ts';
import { buildModule } from './build.ts';
import type { FuzzCase, Outcome } from './check.ts';
import { fitStimulus } from './check.ts';
import { recipeOps, type Recipe } from './recipe.ts';

export interface RecordedFailure {
  readonly kind: 'mismatch' | 'error';
  readonly cycle?: number;
  readonly output?: string;
  readonly type?: string;
  /** The output as an integer (negative for a signed output) in each simulator; `x` where Icarus gave x or z. */
  readonly typescript?: string;
  readonly icarus?: string;
  readonly stage?: string;
  readonly message?: string;
}

export interface CaseFile {
  readonly name: string;
  /** The command that found the case, with its seed. */
  readonly found: string;
  /** For a known Icarus difference: why Icarus is wrong, with the standard's rule. */
  readonly explanation?: string;
  /** For a known Icarus difference: the name of the Verilog rewrite in known.ts that avoids the Icarus bug. */
  readonly workaround?: string;
  /** For a bug in hdlc: what was wrong and where, written by the engineer who diagnosed it. */
  readonly diagnosis?: string;
  readonly wrapped: boolean;
  readonly failure: RecordedFailure;
  readonly recipe: Recipe;
  readonly stimulus: readonly Readonly<Record<string, string>>[];
  readonly verilog: readonly string[];
}

export function recordFailure(outcome: Outcome): RecordedFailure {
  if (outcome.kind === 'mismatch') {
    const m = outcome.mismatch;
    return {
      kind: 'mismatch',
      cycle: m.cycle,
      output: m.signal,
      type: typeName(m.type),
      typescript: toInteger(m.typescript, m.type).toString(),
      icarus: m.icarus === null ? 'x' : toInteger(m.icarus, m.type).toString(),
    };
  }
  if (outcome.kind === 'error') {
    return { kind: 'error', stage: outcome.stage, message: outcome.message };
  }
  throw new Error('recordFailure: the outcome is an agreement, not a failure');
}

/** Describes a recorded failure in one line. */
export function describeFailure(failure: RecordedFailure): string {
  if (failure.kind === 'mismatch') {
    return `cycle ${failure.cycle}: output '${failure.output}' (${failure.type}) is ${failure.typescript} in the TypeScript simulator but ${failure.icarus} in Icarus`;
  }
  return `${failure.stage} failed: ${failure.message}`;
}

/** Returns the emitted Verilog of a recipe as lines, or the build error where it does not build. */
function verilogLines(recipe: Recipe): string[] {
  try {
    return emitDesign(buildModule(recipe).elaborate()).flatMap((module) => module.text.split('\n'));
  } catch (error) {
    return [`// the design does not build: ${(error as Error).message}`];
  }
}

export function caseFile(name: string, found: string, fuzzCase: FuzzCase, wrapped: boolean, outcome: Outcome): CaseFile {
  const stimulus = fitStimulus(fuzzCase.recipe, fuzzCase.stimulus);
  return {
    name,
    found,
    wrapped,
    failure: recordFailure(outcome),
    recipe: fuzzCase.recipe,
    stimulus: stimulus.cycles.map((cycle) => Object.fromEntries(Object.entries(cycle).map(([input, value]) => [input, value.toString()]))),
    verilog: verilogLines(fuzzCase.recipe),
  };
}

/** Writes `file` to `dir` as <name>.json, or <name>-2.json and so on where that name is taken. */
export function writeCaseFile(dir: string, file: CaseFile): string {
  fs.mkdirSync(dir, { recursive: true });
  let target = path.join(dir, `${file.name}.json`);
  for (let suffix = 2; fs.existsSync(target); suffix++) {
    target = path.join(dir, `${file.name}-${suffix}.json`);
  }
  fs.writeFileSync(target, `${JSON.stringify(file, null, 2)}\n`);
  return target;
}

export function readCaseFile(file: string): CaseFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`case file '${file}' is not valid JSON: ${(error as Error).message}`);
  }
  const data = parsed as Partial<CaseFile>;
  if (typeof data !== 'object' || data === null || !data.recipe || !Array.isArray(data.stimulus) || !data.failure) {
    throw new Error(`case file '${file}' is missing 'recipe', 'stimulus' or 'failure'`);
  }
  return parsed as CaseFile;
}

/** Returns the case a file stores, with its stimulus as integers. */
export function fuzzCaseOf(file: CaseFile): FuzzCase {
  const stimulus: Stimulus = {
    cycles: file.stimulus.map((cycle) => Object.fromEntries(Object.entries(cycle).map(([input, value]) => [input, BigInt(value)]))),
  };
  return { recipe: file.recipe, stimulus };
}

/** Lists the case files directly in `dir` (not in its subfolders); none where the folder does not exist. */
export function listCaseFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs.readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => path.join(dir, name));
}

/**
 * Returns the features of a minimal case as a string: the kind of failure,
 * the operators of its nodes, the kinds of its registers and memories, and
 * the same for its children, each set sorted. Minimal cases of one bug
 * usually share their features even where their wiring differs, so the
 * fuzzer writes one file per feature set. Two bugs with one feature set are
 * distinguished only by their seeds in the fuzz log.
 */
export function caseSignature(recipe: Recipe, failure: RecordedFailure): string {
  const features = new Set<string>();
  const visit = (r: Recipe, prefix: string): void => {
    for (const op of recipeOps({ ...r, children: [] })) {
      features.add(`${prefix}${op}`);
    }
    for (const register of r.registers) {
      let reset = 'no-reset';
      if (register.reset) {
        reset = `${register.reset.async ? 'async' : 'sync'}-${register.reset.activeLow ? 'low' : 'high'}`;
      }
      const enable = register.enable === undefined ? '' : ':enable';
      const clock = register.clock === undefined ? '' : ':clock';
      features.add(`${prefix}register:${reset}${enable}${clock}`);
    }
    for (const memory of r.memories) {
      features.add(`${prefix}${memory.rom ? 'rom' : 'ram'}${memory.writes.length > 0 ? ':write' : ''}`);
    }
    r.children.forEach((child) => visit(child, `${prefix}child.`));
  };
  visit(recipe, '');
  const kind = failure.kind === 'error' ? `error:${failure.stage}` : 'mismatch';
  return [kind, ...[...features].sort()].join(' ');
}
