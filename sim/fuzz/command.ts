// `hdlc fuzz`: the differential fuzzer's command line. Progress goes to
// standard error, as a bar on a terminal and otherwise as a line every tenth
// of the run. Failures and the summary go to standard output.

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { CommandFailedError, UsageError } from '../../compiler/build.ts';
import { KNOWN_ICARUS_DIR, loadKnownDifferences } from './known.ts';
import { describeFailure, fuzzCaseOf, readCaseFile } from './case-file.ts';
import { checkCase } from './check.ts';
import { describeOutcome, describeRecipeSize, runFuzz, type FuzzProgress, type FuzzReport } from './run.ts';

export const fuzzHelp = `Usage: hdlc fuzz [--seeds N] [--seed S] [--cycles C] [--out DIR] [options]

Differential fuzzing: generates a random design per seed through the DSL,
runs it in the TypeScript simulator and in Icarus Verilog (iverilog and vvp)
on random stimulus, and compares every output on every cycle. A failure is
a mismatch, or an exception in the simulator, the emitter or Icarus. Unless
a known Icarus difference explains it (see ${KNOWN_ICARUS_DIR}),
it is shrunk to a minimal design, written to DIR as <design>.json. Prints
the number of designs, the cycles checked, the failures and the run time.
Exits with code 1 when a failure remains unexplained.

Options:
  --seeds N          number of designs (default: 100, or 1 when --seed is given)
  --seed S           first seed; seeds S to S+N-1 are run (default: 1)
  --cycles C         clock cycles of random stimulus per design (default: 50)
  --out DIR          folder for minimal cases (default: test/regressions)
  --batch B          designs per Icarus run (default: 25)
  --max-shrinks K    unexplained failures to shrink; later ones are only
                     listed by seed (default: 10)
  --read-back MODE   how Icarus's outputs are read: 'log' (a per-cycle text
                     log, the default) or 'vcd' (its waveform)
  --replay FILE      check the minimal case in a case file (as written to
                     DIR) instead of generating designs; exits with code 1
                     when the simulators still disagree
  -h, --help         show this help`;

function wholeNumber(text: string | undefined, option: string, fallback: number, min = 1): number {
  if (text === undefined) {
    return fallback;
  }
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${option} must be a whole number ${min} or more, got '${text}'`);
  }
  return Number(text);
}

function seedNumber(text: string | undefined): number {
  if (text === undefined) {
    return 1;
  }
  if (!/^\d+$/.test(text) || Number(text) > 0x7fffffff) {
    throw new UsageError(`--seed must be a whole number from 0 to ${0x7fffffff}, got '${text}'`);
  }
  return Number(text);
}

/** Reports progress on a terminal with a bar, elsewhere with a line per tenth of the run. */
class ProgressReporter {
  private readonly multibar?: cliProgress.MultiBar;
  private readonly bar?: cliProgress.SingleBar;
  private nextLine = 0;

  constructor(private readonly total: number) {
    if (process.stderr.isTTY) {
      this.multibar = new cliProgress.MultiBar({
        format: 'fuzz [{bar}] {value}/{total} designs | {cycles} cycles | {failures} failure(s) | {duration_formatted}',
        hideCursor: true,
        clearOnComplete: true,
      });
      this.bar = this.multibar.create(total, 0, { cycles: 0, failures: 0 });
    }
  }

  update(progress: FuzzProgress): void {
    if (this.multibar && this.bar) {
      this.bar.update(progress.designs, { cycles: progress.cycles, failures: progress.failures });
      this.multibar.update();
      return;
    }
    if (progress.designs >= this.nextLine || progress.designs === this.total) {
      console.error(`hdlc fuzz: ${progress.designs}/${this.total} designs, ${progress.cycles} cycles, ${progress.failures} failure(s)`);
      this.nextLine = progress.designs + Math.max(1, Math.floor(this.total / 10));
    }
  }

  log(line: string): void {
    if (this.multibar) {
      this.multibar.log(`${line}\n`);
      this.multibar.update();
      return;
    }
    console.log(line);
  }

  stop(): void {
    this.multibar?.stop();
  }
}

export function formatReport(report: FuzzReport): string {
  const lines = [
    `hdlc fuzz: ${report.designs} design(s), ${report.cycles} cycles checked, ${report.findings.length} failure(s) `
      + `(${report.explained} explained by known Icarus differences, ${report.unexplained} unexplained), ${report.seconds.toFixed(1)} s`,
  ];
  for (const finding of report.findings.filter((f) => f.explainedBy === undefined)) {
    const wrapped = finding.wrapped ? ' (only inside the batch wrapper)' : '';
    const where = finding.file ? `${finding.file}${finding.duplicate ? ' (same features)' : ''}` : describeOutcome(finding.outcome);
    lines.push(`  seed ${finding.seed}${wrapped}: ${where}`);
  }
  return lines.join('\n');
}

/** Checks the case in `file` again and prints the outcome; a failure that remains is an error. */
function replayCaseFile(file: string, readBack: 'log' | 'vcd'): void {
  if (!fs.existsSync(file)) {
    throw new UsageError(`case file '${file}' not found`);
  }
  const data = readCaseFile(file);
  const outcome = checkCase(fuzzCaseOf(data), { wrapped: data.wrapped, readBack });
  console.log(`hdlc fuzz: ${file} (${describeRecipeSize(fuzzCaseOf(data))}) was found as: ${describeFailure(data.failure)}`);
  if (outcome.kind !== 'agree') {
    throw new CommandFailedError(`the case still fails: ${describeOutcome(outcome)}`);
  }
  console.log(`hdlc fuzz: the simulators now agree on all ${outcome.cycles} cycle(s)`);
}

export async function runFuzzCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      seeds: { type: 'string' },
      seed: { type: 'string' },
      cycles: { type: 'string' },
      out: { type: 'string', default: path.join('test', 'regressions') },
      batch: { type: 'string' },
      'max-shrinks': { type: 'string' },
      'read-back': { type: 'string', default: 'log' },
      replay: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(fuzzHelp);
    return;
  }
  if (positionals.length > 0) {
    throw new UsageError(`hdlc fuzz takes no file arguments, got '${positionals.join(' ')}'; see 'hdlc fuzz --help'`);
  }
  const readBack = values['read-back'];
  if (readBack !== 'log' && readBack !== 'vcd') {
    throw new UsageError(`--read-back must be 'log' or 'vcd', got '${readBack}'`);
  }
  if (values.replay !== undefined) {
    replayCaseFile(values.replay, readBack);
    return;
  }

  const seeds = wholeNumber(values.seeds, '--seeds', values.seed === undefined ? 100 : 1);
  const progress = new ProgressReporter(seeds);
  let report: FuzzReport;
  try {
    report = runFuzz({
      firstSeed: seedNumber(values.seed),
      seeds,
      cycles: wholeNumber(values.cycles, '--cycles', 50),
      batchSize: wholeNumber(values.batch, '--batch', 25),
      maxShrinks: wholeNumber(values['max-shrinks'], '--max-shrinks', 10, 0),
      outDir: values.out,
      knownCaseDirs: [KNOWN_ICARUS_DIR],
      known: loadKnownDifferences(),
      check: { readBack },
      log: (line) => progress.log(line),
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.stop();
  }

  console.log(formatReport(report));
  if (report.unexplained > 0) {
    throw new CommandFailedError(`${report.unexplained} unexplained failure(s); the minimal cases are listed above`);
  }
}
