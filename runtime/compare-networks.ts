/**
 * Command that compares the two descriptor networks in reach, face-api (128-D) and human's faceres (1024-D), on a
 * subset of the known people: every `--every`-th person in sorted order. Each image keeps its side of the full
 * stratified split, as in the main run. Each network is measured as FP32 and as
 * the integer model, with and without the mirror-image average, C chosen by cross-validation on the subset's
 * training images; faceres is also measured after PCA to 128 dimensions, the length the hardware budget allows.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

import { Command, InvalidArgumentError, Option } from 'commander';

import { SvmTrainer } from './cross-validation.ts';
import { listDataset } from './dataset.ts';
import { embedImages } from './embed-images.ts';
import type { NetworkName } from './embed-worker.ts';
import { EmbeddingCache } from './embedding-cache.ts';
import { fitAndTest, integerAccuracy } from './experiments.ts';
import { FACE_API_DIMS, FaceApiEmbedder, selectedBackend } from './face-api-embedder.ts';
import { descriptorOf, floatFeatures, int8Features, quantizeAll } from './features.ts';
import { HUMAN_DIMS, HumanEmbedder } from './human-embedder.ts';
import { applyProjection, fitPca } from './projection.ts';
import { INT_MODEL_FORMAT, INT_MODEL_VERSION, type IntModel } from './integer-model.ts';
import { DEFAULT_SVM_OPTIONS } from './linear-svm.ts';
import { INT8_LIMIT } from './quantize.ts';
import { quantizeSvm } from './quantize-model.ts';
import { C_GRID, MAIN_QUANTIZATION } from './run-pipeline.ts';
import { stratifiedTrainTestSplit } from './split.ts';

const positiveInteger = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return parsed;
};

const program = new Command()
  .name('npm run pipeline:compare --')
  .description('Compare the face-api and human descriptor networks on a subset of the known people.')
  .requiredOption('--faces <dir>', 'folder of known people, one subfolder of images per person')
  .option('--out <dir>', 'output folder; the embedding caches go to its cache/ subfolder', 'generated/lfw')
  .option('--min-images <n>', 'keep the people with at least this many images', positiveInteger, 5)
  .option('--every <n>', 'take every n-th person in sorted order, starting with the first', positiveInteger, 7)
  .option('--seed <n>', 'seed of the train/test split and the folds', positiveInteger, 42)
  .option('--folds <n>', 'cross-validation folds', positiveInteger, 5)
  .addOption(new Option('--workers <n>', 'worker threads').argParser(positiveInteger).default(availableParallelism(), 'the number of cores'))
  .addOption(new Option('--stage <stage>', 'stop after this stage').choices(['embed', 'all']).default('all'))
  .showHelpAfterError();
program.parse();
const options = program.opts<{ faces: string; out: string; minImages: number; every: number; seed: number; folds: number; workers: number; stage: 'embed' | 'all' }>();

interface Row {
  network: string;
  dims: number;
  descriptor: string;
  kind: 'fp32' | 'integer';
  C: number;
  cvAccuracy: number;
  testAccuracy: number;
}

async function main(): Promise<void> {
  const faces = listDataset(resolve(options.faces), options.minImages);
  const classOf = new Map(faces.identities.map((name, index) => [name, index]));
  const allLabels = faces.images.map((image) => classOf.get(image.identity)!);
  const fullSplit = stratifiedTrainTestSplit(allLabels, 0.2, options.seed);
  const inTest = new Set(fullSplit.test);

  const people = faces.identities.filter((_, index) => index % options.every === 0);
  const subsetClass = new Map(people.map((name, index) => [name, index]));
  const images = faces.images.map((image, row) => ({ image, row })).filter(({ image }) => subsetClass.has(image.identity));
  const labels = Int32Array.from(images, ({ image }) => subsetClass.get(image.identity)!);
  const split = { train: [] as number[], test: [] as number[] };
  images.forEach(({ row }, i) => (inTest.has(row) ? split.test : split.train).push(i));
  console.error(`[compare] ${people.length} people, ${images.length} images: ${split.train.length} train, ${split.test.length} test`);

  const networks: Array<{ name: NetworkName; model: string; preprocessing: string; dims: number }> = [
    { name: 'face-api', model: FaceApiEmbedder.modelId, preprocessing: FaceApiEmbedder.preprocessingId, dims: FACE_API_DIMS },
    { name: 'human', model: HumanEmbedder.modelId, preprocessing: HumanEmbedder.preprocessingId, dims: HUMAN_DIMS },
  ];
  const embeddings = new Map<NetworkName, Awaited<ReturnType<typeof embedImages>>>();
  for (const network of networks) {
    if (options.stage === 'embed' && network.name === 'face-api') continue;
    const cache = EmbeddingCache.open(join(resolve(options.out), 'cache'), {
      model: network.model,
      preprocessing: network.preprocessing,
      backend: selectedBackend(),
      dims: network.dims,
    });
    const files = images.map(({ image }) => ({ path: image.path, name: `faces/${image.relativePath}` }));
    const started = performance.now();
    const outcome = await embedImages(files, cache, options.workers, network.name);
    const timing = outcome.computed > 0
      ? { images: outcome.computed, seconds: outcome.computeSeconds, workers: options.workers, secondsPerImagePerWorker: (outcome.computeSeconds * options.workers) / outcome.computed }
      : undefined;
    cache.writeIndex(outcome.hashes, timing);
    console.error(`[compare] ${network.name}: ${outcome.computed} embedded, ${outcome.fromCache} cached, ${outcome.skipped.length} failed (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    cache.close();
    embeddings.set(network.name, outcome);
  }
  if (options.stage === 'embed') return;

  const trainer = new SvmTrainer(options.workers);
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    for (const network of networks) {
      const outcome = embeddings.get(network.name)!;
      const missing = images.filter(({ image }) => !outcome.embeddings.has(`faces/${image.relativePath}`));
      if (missing.length > 0) {
        // A failed image keeps its place with a zero descriptor, so both networks are scored on the same images.
        notes.push(`${network.name}: ${missing.length} images without a descriptor were scored with a zero vector.`);
      }
      const fallbacks = [...outcome.embeddings.values()].filter((embedding) => !embedding.detected).length;
      notes.push(`${network.name}: ${fallbacks} images used the fallback when no face was detected.`);
      const timing = EmbeddingCache.open(join(resolve(options.out), 'cache'), { model: network.model, preprocessing: network.preprocessing, backend: selectedBackend(), dims: network.dims });
      const speed = timing.readTiming();
      timing.close();
      if (speed) notes.push(`${network.name}: ${(1000 * speed.secondsPerImagePerWorker).toFixed(0)} ms per image per worker, both descriptors.`);

      for (const flip of [false, true]) {
        const descriptor = flip ? 'mean with mirror image' : 'plain';
        const vectors = images.map(({ image }) => {
          const embedding = outcome.embeddings.get(`faces/${image.relativePath}`);
          return embedding ? descriptorOf(embedding, flip) : new Float32Array(network.dims);
        });
        const variants: Array<[number, Float32Array[]]> = [[network.dims, vectors]];
        if (network.dims > FACE_API_DIMS) {
          const pca = fitPca(split.train.map((i) => vectors[i]!), FACE_API_DIMS);
          variants.push([FACE_API_DIMS, vectors.map((vector) => applyProjection(pca, vector))]);
        }
        for (const [dims, features] of variants) {
          const settings = { grid: C_GRID, folds: options.folds, seed: options.seed, svm: DEFAULT_SVM_OPTIONS };
          const fp32 = await fitAndTest(trainer, floatFeatures(features), labels, people.length, split, settings);
          rows.push({ network: network.name, dims, descriptor, kind: 'fp32', C: fp32.cv.bestC, cvAccuracy: Math.max(...fp32.cv.grid.map((g) => g.accuracy)), testAccuracy: fp32.testAccuracy });

          const codes = quantizeAll(features, MAIN_QUANTIZATION);
          const int8 = await fitAndTest(trainer, int8Features(codes), labels, people.length, split, settings);
          const quantized = quantizeSvm(int8.model, INT8_LIMIT);
          const model: IntModel = {
            format: INT_MODEL_FORMAT, version: INT_MODEL_VERSION, classes: people, dims, weights: quantized.weights, biases: quantized.biases,
            threshold: 0, rule: 'score', quantization: { scheme: 'per-vector-symmetric', limit: 127, ...MAIN_QUANTIZATION },
          };
          const accuracy = integerAccuracy(model, split.test.map((i) => codes[i]!), split.test.map((i) => labels[i]!));
          rows.push({ network: network.name, dims, descriptor, kind: 'integer', C: int8.cv.bestC, cvAccuracy: Math.max(...int8.cv.grid.map((g) => g.accuracy)), testAccuracy: accuracy });
          console.error(`[compare] ${network.name} D=${dims} ${descriptor}: FP32 ${(100 * fp32.testAccuracy).toFixed(2)} %, integer ${(100 * accuracy).toFixed(2)} %`);
        }
      }
    }
  } finally {
    await trainer.close();
  }

  const pct = (value: number): string => `${(100 * value).toFixed(2)} %`;
  const markdown = [
    '# Descriptor networks compared',
    '',
    `Written by \`npm run pipeline:compare -- ${process.argv.slice(2).join(' ')}\`.`,
    `Subset: every ${options.every}th of the ${faces.identities.length} known people in sorted order, ${people.length} people and ${images.length} images; ` +
      `each image keeps its side of the full stratified split (seed ${options.seed}): ${split.train.length} train, ${split.test.length} test.`,
    `C by ${options.folds}-fold cross-validation on the subset's training images over {${C_GRID.join(', ')}}; integer model with INT8 rounding ` +
      `${MAIN_QUANTIZATION.rounding} in ${MAIN_QUANTIZATION.arithmetic}.`,
    '',
    '| network | D | descriptor | model | C | cross-validation | test accuracy |',
    '| --- | ---: | --- | --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.network} | ${r.dims} | ${r.descriptor} | ${r.kind === 'fp32' ? 'FP32' : 'integer'} | ${r.C} | ${pct(r.cvAccuracy)} | ${pct(r.testAccuracy)} |`),
    '',
    ...notes.map((note) => `- ${note}`),
    '',
  ].join('\n');
  const out = resolve(options.out);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'network-comparison.md'), markdown);
  writeFileSync(join(out, 'network-comparison.json'), JSON.stringify({ people: people.length, images: images.length, train: split.train.length, test: split.test.length, rows, notes }, null, 2) + '\n');
}

try {
  await main();
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exitCode = 1;
}
