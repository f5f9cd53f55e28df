/**
 * Command line of the face-recognition training pipeline: embeds the face and stranger images (through the
 * embedding caches), splits, chooses the descriptor, trains the one-vs-rest linear SVM, quantizes it to the integer
 * model, calibrates the unknown threshold and writes weights and report to the output folder.
 */

import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

import { Command, InvalidArgumentError, Option } from 'commander';

import type { DescriptorSource } from './descriptors.ts';
import { DEFAULT_CONFIDENCE, runPipeline } from './run-pipeline.ts';

const positiveInteger = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return parsed;
};

const atLeastTwo = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 2) {
    throw new InvalidArgumentError(`expected a whole number of at least 2, got "${value}"`);
  }
  return parsed;
};

const fraction = (value: string): number => {
  const parsed = Number(value);
  if (!(parsed > 0 && parsed < 1)) {
    throw new InvalidArgumentError(`expected a number above 0 and below 1, got "${value}"`);
  }
  return parsed;
};

const share = (value: string): number => {
  const parsed = value.trim() === '' ? Number.NaN : Number(value);
  if (!(parsed >= 0 && parsed < 1)) {
    throw new InvalidArgumentError(`expected a number from 0 up to but not including 1, got "${value}"`);
  }
  return parsed;
};

const nonNegativeInteger = (value: string): number => {
  const parsed = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new InvalidArgumentError(`expected an integer of at least 0, got "${value}"`);
  }
  return parsed;
};

const confidenceValue = (value: string): number => {
  const parsed = value.trim() === '' ? Number.NaN : Number(value);
  if (!(parsed === 0 || (parsed > 0 && parsed < 1))) {
    throw new InvalidArgumentError(`expected 0, or a number above 0 and below 1 (0.95 for 95 %), got "${value}"`);
  }
  return parsed;
};

const seedValue = (value: string): number => {
  const parsed = nonNegativeInteger(value);
  // The generators take 32-bit seeds, so larger values would repeat smaller ones.
  if (parsed > 0xffff_ffff) {
    throw new InvalidArgumentError(`expected a seed from 0 to 4294967295, got "${value}"`);
  }
  return parsed;
};

const program = new Command()
  .name('npm run pipeline --')
  .description('Train the INT8 one-vs-rest linear SVM face classifier and write its weights and report.')
  .requiredOption('--faces <dir>', 'folder of known people, one subfolder of images per person')
  .requiredOption('--strangers <dir>', 'folder of people never seen in training, same layout')
  .option('--out <dir>', 'output folder for the cache, weights and report', 'generated/lfw')
  .option('--min-images <n>', 'keep the people of --faces with at least this many images', positiveInteger, 5)
  .addOption(
    new Option('--workers <n>', 'worker threads for embedding and training')
      .argParser(positiveInteger)
      .default(availableParallelism(), 'the number of cores'),
  )
  .option('--seed <n>', 'seed of the train/test split, the stranger halves, the folds (0 to 4294967295)', seedValue, 42)
  .option('--test-fraction <x>', 'share of each person\'s images kept for the test set', fraction, 0.2)
  .option('--folds <n>', 'cross-validation folds for choosing the SVM constant C (at least 2)', atLeastTwo, 5)
  .option('--max-stranger-people <n>', 'use at most this many stranger people, drawn by a seeded shuffle (default: all)', positiveInteger)
  .option('--max-false-accept <x>', 'highest false-accept rate of strangers the threshold may allow, as bounded on the calibration strangers (0 accepts none)', share, 0.01)
  .option(
    '--confidence <x>',
    'confidence of the upper bound on the false-accept rate that calibration keeps under --max-false-accept (0 compares the calibration share itself)',
    confidenceValue,
    DEFAULT_CONFIDENCE,
  )
  .option('--no-stranger-negatives', 'do not train the SVMs with a quarter of the stranger people as negatives (then the whole non-evaluation half calibrates)')
  .addOption(
    new Option('--network <name>', 'descriptor source: fused joins human\'s faceres and face-api, human is faceres alone; every descriptor is projected to 128 dimensions by PCA')
      .choices(['fused', 'human', 'face-api'])
      .default('fused'),
  )
  .option('--cache <dir>', 'embedding cache folder (default: OUT/cache)')
  .option('--weights-only', 'train only what weights.json and the replay vectors need; skip the alternatives and the report')
  .addOption(
    new Option('--stage <stage>', 'stop after this stage').choices(['embed', 'all']).default('all'),
  )
  .showHelpAfterError('(run with --help for every option)');

program.parse();
const options = program.opts<{
  faces: string;
  strangers: string;
  out: string;
  minImages: number;
  workers: number;
  seed: number;
  testFraction: number;
  folds: number;
  maxFalseAccept: number;
  confidence: number;
  maxStrangerPeople?: number;
  weightsOnly?: boolean;
  strangerNegatives: boolean;
  network: DescriptorSource;
  cache?: string;
  stage: 'embed' | 'all';
}>();

try {
  await runPipeline({
    facesDir: resolve(options.faces),
    strangersDir: resolve(options.strangers),
    outDir: resolve(options.out),
    minImages: options.minImages,
    workers: options.workers,
    seed: options.seed,
    testFraction: options.testFraction,
    folds: options.folds,
    maxFalseAcceptRate: options.maxFalseAccept,
    confidence: options.confidence,
    maxStrangerPeople: options.maxStrangerPeople,
    weightsOnly: options.weightsOnly === true,
    strangerNegatives: options.strangerNegatives,
    network: options.network,
    cacheDir: options.cache === undefined ? undefined : resolve(options.cache),
    stage: options.stage,
    commandLine: `npm run pipeline -- ${process.argv.slice(2).join(' ')}`,
  });
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exitCode = 1;
}
