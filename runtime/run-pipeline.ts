/**
 * The pipeline's stages in order: list, embed, split, train and measure the variants, calibrate the unknown
 * threshold, write the weights, the replay vectors and the report. Every stage is timed.
 *
 * Choices made on the training split only, never on the test faces:
 * - C of every model, by cross-validation;
 * - whether descriptors are averaged with their mirror image, by the cross-validated accuracy of the INT8 model;
 * - the rejection rule and threshold, on calibration strangers and out-of-fold training faces.
 * Fixed beforehand: INT8 rounding to nearest in float32 arithmetic and D = 128, the descriptor's own length, whose
 * weights fit the hardware's memory. The report measures the alternatives next to them.
 */

import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { writeReplayVectors, type ReplayVector, formatIntModel, type ModelProvenance } from './artifacts.ts';
import { SvmTrainer, withNegatives } from './cross-validation.ts';
import { type Dataset, listDataset } from './dataset.ts';
import { embedImages, type ImageFile } from './embed-images.ts';
import type { NetworkName } from './embed-worker.ts';
import { EmbeddingCache } from './embedding-cache.ts';
import { fitAndTest, type FitSettings, integerAccuracy, scoreSample } from './experiments.ts';
import { FACE_API_DIMS, FaceApiEmbedder, type FaceEmbedding, selectedBackend } from './face-api-embedder.ts';
import { HUMAN_DIMS, HumanEmbedder } from './human-embedder.ts';
import { descriptorOf, type PcaProjection, fitPca, floatFeatures, int8Features, projectPca, quantizeAll, selectRows } from './features.ts';
import { INT_MODEL_FORMAT, INT_MODEL_VERSION, type IntModel, type RejectionRule } from './integer-model.ts';
import { DEFAULT_SVM_OPTIONS } from './linear-svm.ts';
import { calibrateThreshold, openSetRates, thresholdCurve, type ScoredSample } from './open-set.ts';
import { INT8_LIMIT, type QuantizeSettings } from './quantize.ts';
import { quantizeSvm } from './quantize-model.ts';
import { writeReport, type PipelineReport, type VariantResult } from './report.ts';
import { SeededRandom } from './random.ts';
import { splitIdentitiesInHalf, stratifiedTrainTestSplit } from './split.ts';
import { writeFileSync } from 'node:fs';

export interface PipelineOptions {
  facesDir: string;
  strangersDir: string;
  outDir: string;
  minImages: number;
  workers: number;
  seed: number;
  testFraction: number;
  folds: number;
  maxFalseAcceptRate: number;
  /** Embedding cache folder; undefined means `<outDir>/cache`. */
  cacheDir?: string;
  /** Descriptor network; undefined means human's faceres. */
  network?: NetworkName;
  /** Train only what weights.json needs and skip the measured alternatives and the report. */
  weightsOnly?: boolean;
  /** Use at most this many stranger people, drawn by a seeded shuffle; undefined uses all. */
  maxStrangerPeople?: number;
  /**
   * Train every SVM with half of the calibration strangers' people as negatives of every class, and calibrate the
   * threshold on the other half. Default true.
   */
  strangerNegatives?: boolean;
  stage: 'embed' | 'all';
  commandLine: string;
}

/**
 * C values tried by cross-validation, in steps of about sqrt(10). On the LFW descriptors the best C lay at 3 to 10
 * for both float and INT8 features in a trial over 0.1 to 100, so the ends were dropped to save training time.
 */
export const C_GRID = [0.3, 1, 3, 10, 30] as const;
export const MAIN_QUANTIZATION: QuantizeSettings = { rounding: 'nearest-even', arithmetic: 'float32' };
export const ALL_QUANTIZATIONS: QuantizeSettings[] = [
  { rounding: 'nearest-even', arithmetic: 'float32' },
  { rounding: 'trunc', arithmetic: 'float32' },
  { rounding: 'nearest-even', arithmetic: 'float64' },
  { rounding: 'trunc', arithmetic: 'float64' },
];
/** Shorter descriptor lengths measured through PCA, next to the full 128. */
export const PCA_DIMS = [32, 64, 96] as const;
/**
 * Longer descriptor lengths measured when the network's descriptor is longer than 128 (PCA from it, or the
 * descriptor itself at its own length), at the chosen C: they show what the hardware's weight memory costs.
 */
export const LONGER_DIMS = [256, 1024] as const;
export const WEIGHTS_FILE = 'weights.json';
export const REPLAY_BASE = 'test-set';
export const PROJECTION_FILE = 'projection.json';

interface Sample {
  file: string;
  label: number;
  embedding: FaceEmbedding;
}

const log = (message: string): void => {
  console.error(`[pipeline] ${message}`);
};
const percent = (value: number): string => `${(100 * value).toFixed(2)} %`;

export async function runPipeline(options: PipelineOptions): Promise<void> {
  const timings: Record<string, number> = {};
  let stageStart = performance.now();
  const endStage = (name: string): void => {
    timings[name] = (performance.now() - stageStart) / 1000;
    log(`${name}: ${timings[name]!.toFixed(1)} s`);
    stageStart = performance.now();
  };

  const network = options.network ?? 'human';
  const useNegatives = options.strangerNegatives ?? true;

  // Listing.
  const faces = listDataset(options.facesDir, options.minImages);
  const allStrangers = listDataset(options.strangersDir, 1);
  const strangers = limitPeople(allStrangers, options.maxStrangerPeople, options.seed);
  if (resolve(options.facesDir) === resolve(options.strangersDir)) {
    throw new Error(`--faces and --strangers name the same folder, ${options.facesDir}; strangers must be people outside the known set`);
  }
  if (faces.identities.length < 2) {
    throw new Error(`${options.facesDir} has ${faces.identities.length} people with at least ${options.minImages} images; at least 2 are needed`);
  }
  // Halves for evaluation and calibration, and with negatives the calibration half halved again.
  const strangerPeopleNeeded = useNegatives ? 4 : 2;
  if (strangers.identities.length < strangerPeopleNeeded) {
    throw new Error(
      `--strangers ${options.strangersDir} has ${strangers.identities.length} people with images; at least ${strangerPeopleNeeded} are needed` +
        (useNegatives ? ' (2 with --no-stranger-negatives)' : ''),
    );
  }
  // The output folder is made before the long stages, so a path that cannot be a folder fails at once.
  try {
    mkdirSync(options.outDir, { recursive: true });
  } catch (error) {
    throw new Error(`--out ${options.outDir} cannot be used as the output folder: ${(error as Error).message}`);
  }
  log(
    `faces: ${faces.identities.length} people, ${faces.images.length} images; ` +
      `strangers: ${strangers.identities.length} people, ${strangers.images.length} images`,
  );
  endStage('list');

  // Embedding, through the cache.
  const cacheKey =
    network === 'human'
      ? { model: HumanEmbedder.modelId, preprocessing: HumanEmbedder.preprocessingId, backend: selectedBackend(), dims: HUMAN_DIMS }
      : { model: FaceApiEmbedder.modelId, preprocessing: FaceApiEmbedder.preprocessingId, backend: selectedBackend(), dims: FACE_API_DIMS };
  const cache = EmbeddingCache.open(options.cacheDir ?? join(options.outDir, 'cache'), cacheKey);
  log(`embedding cache ${cache.binPath}: ${cache.size} records`);
  // Known faces first, so an interrupted run has what training needs before it turns to the strangers.
  const faceFiles: ImageFile[] = faces.images.map((image) => ({ path: image.path, name: `faces/${image.relativePath}` }));
  const strangerFiles: ImageFile[] = strangers.images.map((image) => ({ path: image.path, name: `strangers/${image.relativePath}` }));
  const faceOutcome = await embedImages(faceFiles, cache, options.workers, network);
  cache.writeIndex(faceOutcome.hashes);
  const strangerOutcome = await embedImages(strangerFiles, cache, options.workers, network);
  const embedded = {
    embeddings: new Map([...faceOutcome.embeddings, ...strangerOutcome.embeddings]),
    hashes: [...faceOutcome.hashes, ...strangerOutcome.hashes],
    skipped: [...faceOutcome.skipped, ...strangerOutcome.skipped],
    fromCache: faceOutcome.fromCache + strangerOutcome.fromCache,
    computed: faceOutcome.computed + strangerOutcome.computed,
    succeeded: faceOutcome.succeeded + strangerOutcome.succeeded,
    computeSeconds: faceOutcome.computeSeconds + strangerOutcome.computeSeconds,
  };
  // A run that only retried images with no face found measures nothing useful, so the stored timing stays.
  const newTiming =
    embedded.succeeded > 0
      ? {
          images: embedded.computed,
          seconds: embedded.computeSeconds,
          workers: options.workers,
          secondsPerImagePerWorker: (embedded.computeSeconds * options.workers) / embedded.computed,
        }
      : undefined;
  cache.writeIndex(embedded.hashes, newTiming);
  const embeddingTiming = newTiming ?? cache.readTiming();
  cache.close();
  log(`embedded ${embedded.succeeded} images, ${embedded.fromCache} from the cache, ${embedded.skipped.length} skipped`);
  endStage('embed');
  if (options.stage === 'embed') return;

  // Samples and splits.
  const classIndex = new Map(faces.identities.map((name, index) => [name, index]));
  const faceSamples: Sample[] = [];
  for (const image of faces.images) {
    const embedding = embedded.embeddings.get(`faces/${image.relativePath}`);
    if (embedding) faceSamples.push({ file: `faces/${image.relativePath}`, label: classIndex.get(image.identity)!, embedding });
  }
  const labels = Int32Array.from(faceSamples, (sample) => sample.label);
  const classCount = faces.identities.length;
  const split = stratifiedTrainTestSplit(Array.from(labels), options.testFraction, options.seed);
  // Strangers: half the people for evaluation; of the other half, with negatives on, half train the SVMs as
  // negatives and half calibrate the threshold.
  const [calibrationHalf, evaluationPeople] = splitIdentitiesInHalf(strangers.identities, options.seed);
  const [negativePeople, calibrationPeople] = useNegatives ? splitIdentitiesInHalf(calibrationHalf, options.seed + 1) : [[], calibrationHalf];
  const strangerSamples = (people: readonly string[]): Sample[] => {
    const chosen = new Set(people);
    return strangers.images
      .filter((image) => chosen.has(image.identity))
      .flatMap((image) => {
        const embedding = embedded.embeddings.get(`strangers/${image.relativePath}`);
        return embedding ? [{ file: `strangers/${image.relativePath}`, label: -1, embedding }] : [];
      });
  };
  const negativeStrangers = strangerSamples(negativePeople);
  const calibrationStrangers = strangerSamples(calibrationPeople);
  const evaluationStrangers = strangerSamples(evaluationPeople);
  log(
    `split: ${split.train.length} train, ${split.test.length} test faces; strangers: ` +
      `${negativeStrangers.length} images of ${negativePeople.length} people as training negatives, ` +
      `${calibrationStrangers.length} of ${calibrationPeople.length} for calibration, ` +
      `${evaluationStrangers.length} of ${evaluationPeople.length} for evaluation`,
  );
  endStage('split');

  // Variants: FP32, INT8 embeddings with float weights, integer model; with and without the mirror average.
  const trainer = new SvmTrainer(options.workers);
  const settings: FitSettings = { grid: C_GRID, folds: options.folds, seed: options.seed, svm: DEFAULT_SVM_OPTIONS };
  const testLabels = split.test.map((row) => labels[row]!);
  const variants: VariantResult[] = [];
  const integerModelOf = (model: Parameters<typeof quantizeSvm>[0], quantization: QuantizeSettings): IntModel => {
    const quantized = quantizeSvm(model, INT8_LIMIT);
    return {
      format: INT_MODEL_FORMAT,
      version: INT_MODEL_VERSION,
      classes: faces.identities,
      dims: model.dims,
      weights: quantized.weights,
      biases: quantized.biases,
      threshold: 0,
      rule: 'score',
      quantization: { scheme: 'per-vector-symmetric', limit: 127, ...quantization },
    };
  };

  const byFlip = new Map<
    boolean,
    {
      vectors: Float32Array[];
      /** Descriptors of the negative strangers, in the same features as `vectors`. */
      negativeVectors: Float32Array[];
      int8: Awaited<ReturnType<typeof fitAndTest>>;
      codes: Int8Array[];
      pca: PcaProjection | undefined;
    }
  >();
  const int8Negatives = (vectors: readonly Float32Array[], quantization: QuantizeSettings) =>
    useNegatives ? int8Features(quantizeAll(vectors, quantization)) : undefined;
  try {
    for (const flip of [false, true]) {
      // Descriptors longer than the hardware's 128 are projected by PCA fitted on the training split.
      const raw = faceSamples.map((sample) => descriptorOf(sample.embedding, flip));
      const pca = raw[0]!.length > FACE_API_DIMS ? fitPca(split.train.map((row) => raw[row]!), FACE_API_DIMS) : undefined;
      const vectors = pca ? raw.map((vector) => projectPca(pca, vector)) : raw;
      const negativeVectors = negativeStrangers.map((sample) => featuresOf(sample.embedding, flip, pca));
      const descriptor = flip ? 'mean with mirror image' : 'plain';

      if (!options.weightsOnly) {
        const fp32 = await fitAndTest(trainer, floatFeatures(vectors), labels, classCount, split, settings, useNegatives ? floatFeatures(negativeVectors) : undefined);
        variants.push({ kind: 'fp32', descriptor, dims: FACE_API_DIMS, C: fp32.cv.bestC, cvAccuracy: best(fp32.cv.grid), testAccuracy: fp32.testAccuracy, cvGrid: fp32.cv.grid });
        log(`FP32, ${descriptor}: C ${fp32.cv.bestC}, test ${percent(fp32.testAccuracy)} (${fp32.seconds.toFixed(0)} s)`);
      }

      const codes = quantizeAll(vectors, MAIN_QUANTIZATION);
      const int8 = await fitAndTest(trainer, int8Features(codes), labels, classCount, split, settings, int8Negatives(negativeVectors, MAIN_QUANTIZATION));
      variants.push({ kind: 'int8-embeddings', descriptor, dims: FACE_API_DIMS, quantization: MAIN_QUANTIZATION, C: int8.cv.bestC, cvAccuracy: best(int8.cv.grid), testAccuracy: int8.testAccuracy, cvGrid: int8.cv.grid });
      const integer = integerModelOf(int8.model, MAIN_QUANTIZATION);
      const integerTest = integerAccuracy(integer, split.test.map((row) => codes[row]!), testLabels);
      variants.push({ kind: 'integer', descriptor, dims: FACE_API_DIMS, quantization: MAIN_QUANTIZATION, C: int8.cv.bestC, testAccuracy: integerTest });
      log(`INT8, ${descriptor}: C ${int8.cv.bestC}, float weights ${percent(int8.testAccuracy)}, integer ${percent(integerTest)} (${int8.seconds.toFixed(0)} s)`);
      byFlip.set(flip, { vectors, negativeVectors, int8, codes, pca });
    }
    endStage('train-variants');

    const flip = best(byFlip.get(true)!.int8.cv.grid) > best(byFlip.get(false)!.int8.cv.grid);
    const chosen = byFlip.get(flip)!;
    const descriptor = flip ? 'mean with mirror image' : 'plain';
    log(`chosen descriptor: ${descriptor}`);

    // The other quantization settings, at the chosen C.
    const C = chosen.int8.cv.bestC;
    const quantizationResults: VariantResult[] = [];
    for (const quantization of options.weightsOnly ? [] : ALL_QUANTIZATIONS) {
      const isMain = quantization.rounding === MAIN_QUANTIZATION.rounding && quantization.arithmetic === MAIN_QUANTIZATION.arithmetic;
      const codes = isMain ? chosen.codes : quantizeAll(chosen.vectors, quantization);
      let trained = chosen.int8.model;
      if (!isMain) {
        const x = int8Features(codes);
        const train = withNegatives(
          selectRows(x, split.train),
          Int32Array.from(split.train, (row) => labels[row]!),
          int8Negatives(chosen.negativeVectors, quantization),
        );
        const path = await trainer.trainPath(
          train.x,
          train.labels,
          classCount,
          [C],
          DEFAULT_SVM_OPTIONS,
        );
        trained = path.models[0]!;
      }
      const integer = integerModelOf(trained, quantization);
      const accuracy = integerAccuracy(integer, split.test.map((row) => codes[row]!), testLabels);
      quantizationResults.push({ kind: 'integer', descriptor, dims: FACE_API_DIMS, quantization, C, testAccuracy: accuracy });
      log(`integer model, ${quantization.rounding}/${quantization.arithmetic}: ${percent(accuracy)}`);
    }
    endStage('quantization-variants');

    // Shorter descriptors by PCA fitted on the training split, C chosen among the neighbours of the full-length C.
    const dimsResults: VariantResult[] = [];
    const neighbourGrid = C_GRID.filter((_, i) => Math.abs(i - C_GRID.indexOf(C as (typeof C_GRID)[number])) <= 1);
    const calibrationVectors = calibrationStrangers.map((sample) => featuresOf(sample.embedding, flip, chosen.pca));
    const evaluationVectors = evaluationStrangers.map((sample) => featuresOf(sample.embedding, flip, chosen.pca));
    /**
     * Applies both rules, each at its threshold calibrated on the calibration strangers, to the test faces and
     * the evaluation strangers. `project` maps the strangers' vectors into the features of `model`.
     */
    const openSetOf = (
      model: IntModel,
      codes: readonly Int8Array[],
      project: (vector: Float32Array) => Float32Array,
      strangerVectors: { calibration: readonly Float32Array[]; evaluation: readonly Float32Array[] },
    ) => {
      const score = (vectors: readonly Float32Array[]) => quantizeAll(vectors.map(project), MAIN_QUANTIZATION).map((code) => scoreSample(model, code, -1));
      const calibration = score(strangerVectors.calibration);
      const evaluation = score(strangerVectors.evaluation);
      const test = split.test.map((row) => scoreSample(model, codes[row]!, labels[row]!));
      return (['score', 'margin'] as RejectionRule[]).map((rule) => openSetRates(test, evaluation, rule, calibrateThreshold(calibration, rule, options.maxFalseAcceptRate)));
    };

    for (const dims of options.weightsOnly ? [] : PCA_DIMS) {
      const pca = fitPca(split.train.map((row) => chosen.vectors[row]!), dims);
      const project = (vector: Float32Array): Float32Array => projectPca(pca, vector);
      const codes = quantizeAll(chosen.vectors.map(project), MAIN_QUANTIZATION);
      const negatives = int8Negatives(chosen.negativeVectors.map(project), MAIN_QUANTIZATION);
      const fit = await fitAndTest(trainer, int8Features(codes), labels, classCount, split, { ...settings, grid: neighbourGrid }, negatives);
      const integer = integerModelOf(fit.model, MAIN_QUANTIZATION);
      const accuracy = integerAccuracy(integer, split.test.map((row) => codes[row]!), testLabels);
      const [byScore, byMargin] = openSetOf(integer, codes, project, { calibration: calibrationVectors, evaluation: evaluationVectors });
      dimsResults.push({
        kind: 'integer', descriptor, dims, quantization: MAIN_QUANTIZATION, C: fit.cv.bestC, cvAccuracy: best(fit.cv.grid), testAccuracy: accuracy,
        explainedVariance: pca.explainedVariance, openSet: { score: byScore!, margin: byMargin! },
      });
      log(`integer model, PCA to ${dims}: C ${fit.cv.bestC}, ${percent(accuracy)}, accepted and correct ${percent(byScore!.acceptedCorrect)} (score), ${percent(byMargin!.acceptedCorrect)} (margin)`);
    }

    // Longer descriptors, from the network's own descriptor, at the chosen C.
    const raw = faceSamples.map((sample) => descriptorOf(sample.embedding, flip));
    const rawLength = raw[0]!.length;
    const rawStrangers = {
      calibration: calibrationStrangers.map((sample) => descriptorOf(sample.embedding, flip)),
      evaluation: evaluationStrangers.map((sample) => descriptorOf(sample.embedding, flip)),
    };
    for (const dims of options.weightsOnly || rawLength <= FACE_API_DIMS ? [] : LONGER_DIMS.filter((d) => d <= rawLength)) {
      const pca = dims < rawLength ? fitPca(split.train.map((row) => raw[row]!), dims) : undefined;
      const project = (vector: Float32Array): Float32Array => (pca ? projectPca(pca, vector) : vector);
      const codes = quantizeAll(raw.map(project), MAIN_QUANTIZATION);
      const negatives = int8Negatives(negativeStrangers.map((sample) => featuresOf(sample.embedding, flip, pca)), MAIN_QUANTIZATION);
      const train = withNegatives(selectRows(int8Features(codes), split.train), Int32Array.from(split.train, (row) => labels[row]!), negatives);
      const path = await trainer.trainPath(train.x, train.labels, classCount, [C], DEFAULT_SVM_OPTIONS);
      const integer = integerModelOf(path.models[0]!, MAIN_QUANTIZATION);
      const accuracy = integerAccuracy(integer, split.test.map((row) => codes[row]!), testLabels);
      const [byScore, byMargin] = openSetOf(integer, codes, project, rawStrangers);
      dimsResults.push({ kind: 'integer', descriptor, dims, quantization: MAIN_QUANTIZATION, C, testAccuracy: accuracy, openSet: { score: byScore!, margin: byMargin! } });
      log(`integer model, ${pca ? 'PCA to ' : ''}${dims}: C ${C}, ${percent(accuracy)}, accepted and correct ${percent(byScore!.acceptedCorrect)} (score), ${percent(byMargin!.acceptedCorrect)} (margin)`);
    }
    endStage('pca-variants');

    // Threshold: out-of-fold integer scores of the training faces, and the calibration strangers.
    const model = integerModelOf(chosen.int8.model, MAIN_QUANTIZATION);
    const trainKnown: ScoredSample[] = [];
    const foldModels = chosen.int8.cv.foldModels.map((foldModel) => integerModelOf(foldModel, MAIN_QUANTIZATION));
    split.train.forEach((row, i) => {
      trainKnown.push(scoreSample(foldModels[chosen.int8.cv.foldOf[i]!]!, chosen.codes[row]!, labels[row]!));
    });
    const calibrationScored = quantizeAll(calibrationVectors, MAIN_QUANTIZATION).map((code) => scoreSample(model, code, -1));
    const evaluationCodes = quantizeAll(evaluationVectors, MAIN_QUANTIZATION);
    const evaluationScored = evaluationCodes.map((code) => scoreSample(model, code, -1));
    const testScored = split.test.map((row) => scoreSample(model, chosen.codes[row]!, labels[row]!));

    const rules = (['score', 'margin'] as RejectionRule[]).map((rule) => {
      const threshold = calibrateThreshold(calibrationScored, rule, options.maxFalseAcceptRate);
      return {
        rule,
        threshold,
        calibration: openSetRates(trainKnown, calibrationScored, rule, threshold),
        evaluation: openSetRates(testScored, evaluationScored, rule, threshold),
        curve: thresholdCurve(testScored, evaluationScored, rule, 121),
      };
    });
    const byRule = (rule: RejectionRule) => rules.find((entry) => entry.rule === rule)!;
    // The rule that accepts more training faces correctly at the calibrated false-accept rate; ties to `score`,
    // which needs no runner-up score in hardware.
    const chosenRule: RejectionRule =
      byRule('margin').calibration.acceptedCorrect > byRule('score').calibration.acceptedCorrect ? 'margin' : 'score';
    model.rule = chosenRule;
    model.threshold = byRule(chosenRule).threshold;
    log(
      `rule ${chosenRule}, threshold ${model.threshold}: strangers accepted ${percent(byRule(chosenRule).evaluation.falseAcceptRate)}, ` +
        `known faces accepted and correct ${percent(byRule(chosenRule).evaluation.acceptedCorrect)}`,
    );
    endStage('calibrate');

    // Artifacts.
    mkdirSync(options.outDir, { recursive: true });
    const provenance: ModelProvenance = {
      descriptor: { model: cacheKey.model, preprocessing: cacheKey.preprocessing, backend: cacheKey.backend, flip, projection: chosen.pca ? `pca ${chosen.pca.inputDims} to ${chosen.pca.outputDims}, ${PROJECTION_FILE}` : 'none' },
      svm: { C, loss: DEFAULT_SVM_OPTIONS.loss, bias: DEFAULT_SVM_OPTIONS.bias, epsilon: DEFAULT_SVM_OPTIONS.epsilon, maxIterations: DEFAULT_SVM_OPTIONS.maxIterations },
      weightScale: quantizeSvm(chosen.int8.model, INT8_LIMIT).weightScale,
      featureScale: INT8_LIMIT,
      threshold: { maxFalseAcceptRate: options.maxFalseAcceptRate, calibrationStrangers: calibrationScored.length, negativeStrangers: negativeStrangers.length },
      split: { seed: options.seed, testFraction: options.testFraction, train: split.train.length, test: split.test.length },
    };
    writeFileSync(join(options.outDir, WEIGHTS_FILE), formatIntModel(model, provenance));
    if (chosen.pca) {
      const projection = {
        description: 'Host-side projection applied before INT8 quantization: y[j] = sum_k (x[k] - mean[k]) * components[k][j], rounded to float32.',
        inputDims: chosen.pca.inputDims,
        outputDims: chosen.pca.outputDims,
        mean: Array.from(chosen.pca.mean),
        components: Array.from({ length: chosen.pca.inputDims }, (_, k) =>
          Array.from(chosen.pca!.components.subarray(k * chosen.pca!.outputDims, (k + 1) * chosen.pca!.outputDims)),
        ),
      };
      writeFileSync(join(options.outDir, PROJECTION_FILE), JSON.stringify(projection) + '\n');
    } else if (existsSync(join(options.outDir, PROJECTION_FILE))) {
      // A projection left by an earlier run of another network would not belong to these weights.
      rmSync(join(options.outDir, PROJECTION_FILE));
      log(`removed ${PROJECTION_FILE} of an earlier run: these weights take the descriptor without projection`);
    }
    const replay: ReplayVector[] = [
      ...split.test.map((row) => ({ file: faceSamples[row]!.file, set: 'test' as const, label: labels[row]!, vector: chosen.codes[row]! })),
      ...evaluationStrangers.map((sample, i) => ({ file: sample.file, set: 'stranger-evaluation' as const, label: -1, vector: evaluationCodes[i]! })),
    ];
    writeReplayVectors(join(options.outDir, REPLAY_BASE), model, replay);
    endStage('write-model');
    if (options.weightsOnly) {
      if (existsSync(join(options.outDir, 'report.md'))) {
        log(`note: ${join(options.outDir, 'report.md')} is from an earlier run; --weights-only does not rewrite the report`);
      }
      return;
    }

    const report: PipelineReport = {
      command: options.commandLine,
      reference: { fp32: 0.9766, int8: 0.9741, people: 423, images: 5985, train: 4788, test: 1197 },
      data: {
        faces: { root: options.facesDir, people: faces.identities.length, images: faces.images.length },
        strangers: {
          root: options.strangersDir,
          people: strangers.identities.length,
          images: strangers.images.length,
          peopleInFolder: allStrangers.identities.length,
        },
        skipped: embedded.skipped,
        fallbackBoxes: {
          faces: faceSamples.filter((sample) => !sample.embedding.detected).length,
          strangers: [...calibrationStrangers, ...evaluationStrangers].filter((sample) => !sample.embedding.detected).length,
        },
        split: { seed: options.seed, testFraction: options.testFraction, train: split.train.length, test: split.test.length },
        strangerHalves: {
          negatives: { people: negativePeople.length, images: negativeStrangers.length },
          calibration: { people: calibrationPeople.length, images: calibrationStrangers.length },
          evaluation: { people: evaluationPeople.length, images: evaluationStrangers.length },
        },
      },
      embedding: { ...cacheKey, dims: cacheKey.dims, timing: embeddingTiming, computedThisRun: embedded.succeeded, fromCache: embedded.fromCache },
      variants,
      quantizationVariants: quantizationResults,
      dimsVariants: dimsResults,
      chosen: { flip, descriptor, quantization: MAIN_QUANTIZATION, dims: FACE_API_DIMS, C, rule: chosenRule, threshold: model.threshold },
      openSet: {
        maxFalseAcceptRate: options.maxFalseAcceptRate,
        rules: rules.map(({ rule, threshold, calibration, evaluation }) => ({ rule, threshold, calibration, evaluation })),
        curves: Object.fromEntries(rules.map(({ rule, curve }) => [rule, curve])),
      },
      timings,
      folds: options.folds,
      grid: [...C_GRID],
    };
    await writeReport(options.outDir, report);
    endStage('report');
  } finally {
    await trainer.close();
  }
}

/** Returns an embedding's descriptor (plain or mirror-averaged), projected by `pca` when one is given. */
function featuresOf(embedding: FaceEmbedding, flip: boolean, pca: PcaProjection | undefined): Float32Array {
  const vector = descriptorOf(embedding, flip);
  return pca ? projectPca(pca, vector) : vector;
}

/** Keeps `maxPeople` people of a data set, drawn by a shuffle seeded with `seed`, or all when undefined. */
function limitPeople(dataset: Dataset, maxPeople: number | undefined, seed: number): Dataset {
  if (maxPeople === undefined || maxPeople >= dataset.identities.length) return dataset;
  const kept = new Set(new SeededRandom(seed).shuffle([...dataset.identities]).slice(0, maxPeople));
  return {
    root: dataset.root,
    identities: dataset.identities.filter((name) => kept.has(name)),
    images: dataset.images.filter((image) => kept.has(image.identity)),
  };
}

function best(grid: ReadonlyArray<{ accuracy: number }>): number {
  return Math.max(...grid.map((entry) => entry.accuracy));
}
