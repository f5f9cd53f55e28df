// The fuzz loop: generate a design per seed, cross-check designs in batches,
// and handle every failure:
// 1. Find out whether the failure shows with the design alone as the top
//    module, or only inside the batch wrapper.
// 2. Ask the known Icarus differences (known.ts) whether one explains it.
// 3. Otherwise shrink it, and write the minimal case to the output folder,
//    one file per feature set (see caseSignature). A minimal case whose
//    features are already on file, from this run or an earlier one, is
//    reported as a duplicate and not written.
// Shrinking costs tens to hundreds of Icarus runs, so only the first
// `maxShrinks` unexplained failures of a run are shrunk. The seeds of the
// others are listed, and `hdlc fuzz --seed S` shrinks one of them.

import type { Mismatch } from '../cross-check.ts';
import { caseFile, caseSignature, describeFailure, listCaseFiles, readCaseFile, recordFailure, writeCaseFile } from './case-file.ts';
import type { CheckOptions, FuzzCase, Outcome } from './check.ts';
import { checkBatch, checkCase, recipeStimulus } from './check.ts';
import { generateRecipe } from './generate.ts';
import { explainMismatch, type KnownDifference } from './known.ts';
import { shrinkCase } from './shrink.ts';

export interface FuzzOptions {
  readonly firstSeed: number;
  readonly seeds: number;
  /** Clock cycles of stimulus per design. */
  readonly cycles: number;
  /** Designs per Icarus run. */
  readonly batchSize: number;
  /** Folder for minimal cases; undefined writes nothing. */
  readonly outDir?: string;
  /** Folders whose case files count as already on file when deduplicating. */
  readonly knownCaseDirs?: readonly string[];
  /** Unexplained failures to shrink before the rest are only listed. */
  readonly maxShrinks: number;
  /** Candidates the shrinker may check per failure. */
  readonly maxShrinkChecks?: number;
  readonly known: readonly KnownDifference[];
  readonly check?: CheckOptions;
  /** Receives one line per event worth reporting (a failure and what became of it). */
  readonly log?: (line: string) => void;
  readonly onProgress?: (progress: FuzzProgress) => void;
}

export interface FuzzProgress {
  readonly designs: number;
  readonly total: number;
  readonly cycles: number;
  readonly failures: number;
}

export interface FuzzFinding {
  readonly seed: number;
  /** The failure as the batch run showed it. */
  readonly outcome: Outcome;
  /** True when the failure shows only inside the batch wrapper. */
  readonly wrapped: boolean;
  readonly explainedBy?: string;
  /** The shrunk case, when this failure was shrunk. */
  readonly minimal?: FuzzCase;
  readonly minimalOutcome?: Outcome;
  readonly shrinkChecks?: number;
  /** The case file written for it, or the one it duplicates. */
  readonly file?: string;
  readonly duplicate?: boolean;
}

export interface FuzzReport {
  readonly designs: number;
  readonly cycles: number;
  readonly findings: readonly FuzzFinding[];
  readonly explained: number;
  readonly unexplained: number;
  readonly seconds: number;
}

/**
 * Describes a failing outcome in one line. A mismatch leaves out the driving
 * source line, which in a generated design is always a line of build.ts.
 */
export function describeOutcome(outcome: Outcome): string {
  if (outcome.kind === 'mismatch') {
    return describeFailure(recordFailure(outcome));
  }
  if (outcome.kind === 'error') {
    return `${outcome.stage} failed: ${outcome.message}`;
  }
  return 'the simulators agree';
}

function cyclesChecked(outcome: Outcome, cycles: number): number {
  if (outcome.kind === 'agree') {
    return outcome.cycles;
  }
  if (outcome.kind === 'mismatch') {
    return (outcome.mismatch as Mismatch).cycle + 1;
  }
  return 0;
}

/** Generates the case of one seed; a generator exception becomes a build error outcome. */
export function seedCase(seed: number, cycles: number): FuzzCase | Outcome {
  try {
    const recipe = generateRecipe(seed);
    return { recipe, stimulus: recipeStimulus(recipe, cycles, seed) };
  } catch (error) {
    return { kind: 'error', stage: 'build', message: `the generator failed: ${(error as Error).message}` };
  }
}

class FuzzRun {
  private readonly findings: FuzzFinding[] = [];
  private readonly signatures = new Map<string, string>();
  private shrinks = 0;
  private designs = 0;
  private cycles = 0;

  constructor(private readonly options: FuzzOptions) {
    for (const dir of [...(options.knownCaseDirs ?? []), ...(options.outDir ? [options.outDir] : [])]) {
      for (const file of listCaseFiles(dir)) {
        const data = readCaseFile(file);
        this.signatures.set(caseSignature(data.recipe, data.failure), file);
      }
    }
  }

  run(): FuzzReport {
    const { firstSeed, seeds, batchSize } = this.options;
    const start = Date.now();
    for (let offset = 0; offset < seeds; offset += batchSize) {
      const batchSeeds: number[] = [];
      for (let seed = firstSeed + offset; seed < firstSeed + Math.min(seeds, offset + batchSize); seed++) {
        batchSeeds.push(seed);
      }
      this.runBatch(batchSeeds);
      this.options.onProgress?.({ designs: this.designs, total: seeds, cycles: this.cycles, failures: this.findings.length });
    }
    const explained = this.findings.filter((f) => f.explainedBy !== undefined).length;
    return {
      designs: this.designs,
      cycles: this.cycles,
      findings: this.findings,
      explained,
      unexplained: this.findings.length - explained,
      seconds: (Date.now() - start) / 1000,
    };
  }

  private runBatch(seeds: readonly number[]): void {
    const cases: { seed: number; fuzzCase: FuzzCase }[] = [];
    for (const seed of seeds) {
      const generated = seedCase(seed, this.options.cycles);
      this.designs++;
      if ('kind' in generated) {
        this.handleFailure(seed, undefined, generated);
      } else {
        cases.push({ seed, fuzzCase: generated });
      }
    }
    const outcomes = checkBatch(cases.map((c) => c.fuzzCase), this.options.check);
    outcomes.forEach((outcome, index) => {
      this.cycles += cyclesChecked(outcome, this.options.cycles);
      if (outcome.kind !== 'agree') {
        this.handleFailure(cases[index].seed, cases[index].fuzzCase, outcome);
      }
    });
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private handleFailure(seed: number, fuzzCase: FuzzCase | undefined, outcome: Outcome): void {
    this.log(`seed ${seed}: ${describeOutcome(outcome)}`);
    if (!fuzzCase) {
      this.findings.push({ seed, outcome, wrapped: false });
      return;
    }

    // A failure is shrunk in the form in which it shows: alone if it does.
    const checkOptions = this.options.check ?? {};
    let wrapped = false;
    let current = checkCase(fuzzCase, checkOptions);
    if (current.kind === 'agree') {
      wrapped = true;
      current = checkCase(fuzzCase, { ...checkOptions, wrapped: true });
      if (current.kind === 'agree') {
        this.log(`seed ${seed}: the failure shows only with the other designs of its batch; it was not shrunk`);
        this.findings.push({ seed, outcome, wrapped });
        return;
      }
    }
    const options = { ...checkOptions, wrapped };

    if (current.kind === 'mismatch') {
      const known = explainMismatch(fuzzCase, options, this.options.known);
      if (known) {
        this.log(`seed ${seed}: explained by the known Icarus difference '${known.name}' (${known.file})`);
        this.findings.push({ seed, outcome, wrapped, explainedBy: known.name });
        return;
      }
    }

    if (this.shrinks >= this.options.maxShrinks) {
      this.log(`seed ${seed}: not shrunk, because the limit of ${this.options.maxShrinks} shrunk failure(s) was reached; run 'hdlc fuzz --seed ${seed}' to shrink it`);
      this.findings.push({ seed, outcome, wrapped });
      return;
    }
    this.shrinks++;
    const shrunk = shrinkCase(fuzzCase, current, (candidate) => checkCase(candidate, options), { maxChecks: this.options.maxShrinkChecks });
    const minimal = shrunk.fuzzCase;
    const file = caseFile(minimal.recipe.name, `hdlc fuzz --seed ${seed} --cycles ${this.options.cycles}`, minimal, wrapped, shrunk.outcome);
    const finding = { seed, outcome, wrapped, minimal, minimalOutcome: shrunk.outcome, shrinkChecks: shrunk.checks };
    const budget = shrunk.complete ? '' : ' (the check budget ran out first)';
    this.log(`seed ${seed}: shrunk with ${shrunk.checks} checks${budget} to ${describeRecipeSize(minimal)}: ${describeFailure(recordFailure(shrunk.outcome))}`);

    const signature = caseSignature(minimal.recipe, file.failure);
    const existing = this.signatures.get(signature);
    if (existing) {
      this.log(`seed ${seed}: same features as ${existing}; not written again`);
      this.findings.push({ ...finding, file: existing, duplicate: true });
      return;
    }
    let written: string | undefined;
    if (this.options.outDir) {
      written = writeCaseFile(this.options.outDir, file);
      this.signatures.set(signature, written);
      this.log(`seed ${seed}: wrote ${written}`);
    }
    this.findings.push({ ...finding, file: written });
  }
}

/** Describes the size of a case: its nodes, registers, memories, instances and cycles. */
export function describeRecipeSize(fuzzCase: FuzzCase): string {
  const { recipe } = fuzzCase;
  const instances = recipe.nodes.filter((node) => node.op === 'instance').length;
  return `${recipe.nodes.length - instances} node(s), ${recipe.registers.length} register(s), ${recipe.memories.length} memory(ies), `
    + `${instances} instance(s), ${fuzzCase.stimulus.cycles.length} cycle(s)`;
}

/** Runs the fuzzer over `options.seeds` seeds from `options.firstSeed`. */
export function runFuzz(options: FuzzOptions): FuzzReport {
  return new FuzzRun(options).run();
}
