/**
 * The pipeline's stages in order: list, embed, split, train and measure the variants, calibrate the unknown
 * threshold, write the weights, the replay vectors and the report. Every stage is timed.
 *
 * Choices made on the training split and the calibration strangers only, never on the test faces or the
 * evaluation strangers:
 * - C of every model, by cross-validation;
 * - the descriptor (mirror-image average or not, the fusion weight of two networks, the Hadamard rotation or not).
 *   The measure is the share of out-of-fold training faces accepted and correctly named at the threshold
 *   calibrated on the calibration strangers, under the better of the two rules;
 * - the rejection rule and threshold, on calibration strangers and out-of-fold training faces.
 * Fixed beforehand: INT8 rounding to nearest in float32 arithmetic and D = 128, whose weights fit the hardware's
 * memory. The report measures the alternatives next to them.
 */

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { writeReplayVectors, type ReplayVector, formatIntModel, type ModelProvenance } from './artifacts.ts';
import { SvmTrainer, withNegatives } from './cross-validation.ts';
import { type Dataset, listDataset } from './dataset.ts';
import { describeSpec, type DescriptorSource, type DescriptorSpec, NETWORKS_OF, rawDescriptor, rotatedCandidates, specKey } from './descriptors.ts';
import { embedImages, type ImageFile, type SkippedImage } from './embed-images.ts';
import type { NetworkName } from './embed-worker.ts';
import { type CacheKey, EmbeddingCache, type EmbeddingTiming } from './embedding-cache.ts';
import { fitAndTest, type FitResult, type FitSettings, integerAccuracy, scoreSample } from './experiments.ts';
import { FACE_API_DIMS, FaceApiEmbedder, type FaceEmbedding, selectedBackend } from './face-api-embedder.ts';
import { floatFeatures, int8Features, maxScaled, quantizeAll, selectRows } from './features.ts';
import { HUMAN_DIMS, HumanEmbedder } from './human-embedder.ts';
import { INT_MODEL_FORMAT, INT_MODEL_VERSION, type IntModel, type RejectionRule } from './integer-model.ts';
import { DEFAULT_SVM_OPTIONS, type OneVsRestSvm } from './linear-svm.ts';
import {
  allowedFalseAccepts, calibrateThreshold, falseAcceptBound, openSetRates, type OpenSetRates, poolKnownRates, strangersNeeded, thresholdCurve,
  type ScoredSample,
} from './open-set.ts';
import { applyProjection, fitPcaBasis, type PcaBasis, type Projection, projectionOf } from './projection.ts';
import { INT8_LIMIT, type QuantizeSettings } from './quantize.ts';
import { quantizeSvm } from './quantize-model.ts';
import { type CandidateResult, type EmbeddingSummary, writeReport, type PipelineReport, type VariantResult } from './report.ts';
import { SeededRandom } from './random.ts';
import { splitIdentitiesInHalf, stratifiedTrainTestSplit } from './split.ts';

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
  /**
   * Confidence of the upper bound on the false-accept rate that calibration keeps under `maxFalseAcceptRate`
   * (see allowedFalseAccepts); 0 compares the calibration share itself. Undefined means DEFAULT_CONFIDENCE.
   */
  confidence?: number;
  /** Embedding cache folder; undefined means `<outDir>/cache`. */
  cacheDir?: string;
  /** Descriptor source; undefined means `fused`, human's faceres joined with face-api. */
  network?: DescriptorSource;
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
/** Descriptor length the hardware stores weights for. */
export const HARDWARE_DIMS = 128;
/** Shorter descriptor lengths measured next to 128, C chosen by cross-validation. Powers of two, for the rotation. */
export const SHORTER_DIMS = [32, 64] as const;
/** Longer descriptor lengths measured at the chosen C when the descriptor is long enough: what more memory buys. */
export const LONGER_DIMS = [256, 512, 1024] as const;
/** Default confidence of the false-accept bound at calibration. */
export const DEFAULT_CONFIDENCE = 0.95;
export const WEIGHTS_FILE = 'weights.json';
export const REPLAY_BASE = 'test-set';
export const PROJECTION_FILE = 'projection.json';
const RULES: readonly RejectionRule[] = ['score', 'margin'];

interface Sample {
  file: string;
  label: number;
  /** One embedding per network of the source, in NETWORKS_OF order. */
  embeddings: FaceEmbedding[];
}

/** One rule at its calibrated threshold, on training and calibration data and on test and evaluation data. */
interface RuleOutcome {
  rule: RejectionRule;
  threshold: number;
  /** Out-of-fold training faces and calibration strangers. */
  calibration: OpenSetRates;
  /** Test faces and evaluation strangers; reported, never used for a choice. */
  evaluation: OpenSetRates;
}

/** A descriptor measured as the integer model it gives. */
interface Candidate {
  spec: DescriptorSpec;
  descriptor: string;
  projection: Projection;
  /** Projected descriptors of the known faces and of the negative strangers. */
  vectors: Float32Array[];
  negativeVectors: Float32Array[];
  codes: Int8Array[];
  evaluationCodes: Int8Array[];
  int8: FitResult;
  integer: IntModel;
  integerTest: number;
  calibrationScored: ScoredSample[];
  testScored: ScoredSample[];
  evaluationScored: ScoredSample[];
  rules: RuleOutcome[];
  /** Out-of-fold training faces accepted and correct under the better rule: what the choice maximizes. */
  criterion: number;
}

const log = (message: string): void => {
  console.error(`[pipeline] ${message}`);
};
const percent = (value: number): string => `${(100 * value).toFixed(2)} %`;

const CACHE_KEYS: Record<NetworkName, () => CacheKey> = {
  human: () => ({ model: HumanEmbedder.modelId, preprocessing: HumanEmbedder.preprocessingId, backend: selectedBackend(), dims: HUMAN_DIMS }),
  'face-api': () => ({ model: FaceApiEmbedder.modelId, preprocessing: FaceApiEmbedder.preprocessingId, backend: selectedBackend(), dims: FACE_API_DIMS }),
};

export async function runPipeline(options: PipelineOptions): Promise<void> {
  const timings: Record<string, number> = {};
  let stageStart = performance.now();
  const endStage = (name: string): void => {
    timings[name] = (performance.now() - stageStart) / 1000;
    log(`${name}: ${timings[name]!.toFixed(1)} s`);
    stageStart = performance.now();
  };

  const source = options.network ?? 'fused';
  const networks = NETWORKS_OF[source];
  const useNegatives = options.strangerNegatives ?? true;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;

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

  // Embedding, through one cache per network.
  const faceFiles: ImageFile[] = faces.images.map((image) => ({ path: image.path, name: `faces/${image.relativePath}` }));
  const strangerFiles: ImageFile[] = strangers.images.map((image) => ({ path: image.path, name: `strangers/${image.relativePath}` }));
  const embedded = new Map<NetworkName, Map<string, FaceEmbedding>>();
  const embeddingSummaries: EmbeddingSummary[] = [];
  const skippedByName = new Map<string, SkippedImage>();
  for (const network of networks) {
    const outcome = await embedWithCache(network, faceFiles, strangerFiles, options.cacheDir ?? join(options.outDir, 'cache'), options.workers);
    embedded.set(network, outcome.embeddings);
    embeddingSummaries.push(outcome.summary);
    for (const skipped of outcome.skipped) if (!skippedByName.has(skipped.name)) skippedByName.set(skipped.name, skipped);
  }
  endStage('embed');
  if (options.stage === 'embed') return;

  // Samples and splits. An image counts only when every network of the source embedded it.
  const embeddingsOf = (name: string): FaceEmbedding[] | undefined => {
    const found = networks.map((network) => embedded.get(network)!.get(name));
    return found.every((embedding) => embedding !== undefined) ? (found as FaceEmbedding[]) : undefined;
  };
  const classIndex = new Map(faces.identities.map((name, index) => [name, index]));
  const faceSamples: Sample[] = [];
  for (const image of faces.images) {
    const embeddings = embeddingsOf(`faces/${image.relativePath}`);
    if (embeddings) faceSamples.push({ file: `faces/${image.relativePath}`, label: classIndex.get(image.identity)!, embeddings });
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
        const embeddings = embeddingsOf(`strangers/${image.relativePath}`);
        return embeddings ? [{ file: `strangers/${image.relativePath}`, label: -1, embeddings }] : [];
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
  if (calibrationStrangers.length === 0 || evaluationStrangers.length === 0) {
    throw new Error(`--strangers ${options.strangersDir}: no embedded image is left for calibration or evaluation`);
  }
  endStage('split');

  const trainer = new SvmTrainer(options.workers);
  const settings: FitSettings = { grid: C_GRID, folds: options.folds, seed: options.seed, svm: DEFAULT_SVM_OPTIONS };
  const testLabels = split.test.map((row) => labels[row]!);
  const integerModelOf = (model: OneVsRestSvm, quantization: QuantizeSettings): IntModel => {
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
  const int8Negatives = (vectors: readonly Float32Array[], quantization: QuantizeSettings) =>
    useNegatives ? int8Features(quantizeAll(vectors, quantization)) : undefined;
  /**
   * Applies both rules, each at the threshold calibrated on the model's scores of the calibration strangers, to
   * the test faces and evaluation strangers. With `folds`, the out-of-fold training faces are measured too: each
   * at the threshold calibrated for its own fold model, because every integer model has its own weight scale and
   * a threshold in one model's units means nothing in another's.
   */
  const rulesAt = (
    calibration: readonly ScoredSample[],
    folds: ReadonlyArray<{ known: readonly ScoredSample[]; calibration: readonly ScoredSample[] }>,
    test: readonly ScoredSample[],
    evaluation: readonly ScoredSample[],
  ): RuleOutcome[] =>
    RULES.map((rule) => {
      const threshold = calibrateThreshold(calibration, rule, options.maxFalseAcceptRate, confidence);
      const foldRates = folds.map((fold) => ({
        rates: openSetRates(fold.known, fold.calibration, rule, calibrateThreshold(fold.calibration, rule, options.maxFalseAcceptRate, confidence)),
        known: fold.known.length,
      }));
      return {
        rule,
        threshold,
        calibration: { ...poolKnownRates(foldRates), threshold, falseAcceptRate: openSetRates([], calibration, rule, threshold).falseAcceptRate },
        evaluation: openSetRates(test, evaluation, rule, threshold),
      };
    });

  // PCA bases by raw descriptor (flip and fusion weight); rotation and length only slice and turn them.
  const bases = new Map<string, { raw: Float32Array[]; basis: PcaBasis }>();
  const basisOf = (spec: DescriptorSpec) => {
    const key = specKey({ ...spec, rotate: false });
    let entry = bases.get(key);
    if (!entry) {
      const raw = faceSamples.map((sample) => rawDescriptor(sample.embeddings, spec));
      entry = { raw, basis: fitPcaBasis(split.train.map((row) => raw[row]!)) };
      bases.set(key, entry);
    }
    return entry;
  };
  const projectSamples = (samples: readonly Sample[], spec: DescriptorSpec, projection: Projection): Float32Array[] =>
    samples.map((sample) => applyProjection(projection, rawDescriptor(sample.embeddings, spec)));

  const candidates = new Map<string, Candidate>();
  /** Measures the integer model of one descriptor at D = 128; each spec is measured once. */
  const measure = async (spec: DescriptorSpec): Promise<Candidate> => {
    const known = candidates.get(specKey(spec));
    if (known) return known;
    const { raw, basis } = basisOf(spec);
    const projection = projectionOf(basis, HARDWARE_DIMS, spec.rotate);
    const vectors = raw.map((vector) => applyProjection(projection, vector));
    const negativeVectors = projectSamples(negativeStrangers, spec, projection);
    const codes = quantizeAll(vectors, MAIN_QUANTIZATION);
    const int8 = await fitAndTest(trainer, int8Features(codes), labels, classCount, split, settings, int8Negatives(negativeVectors, MAIN_QUANTIZATION));
    const integer = integerModelOf(int8.model, MAIN_QUANTIZATION);
    const integerTest = integerAccuracy(integer, split.test.map((row) => codes[row]!), testLabels);

    // Out-of-fold integer scores of the training faces, each from the fold model that did not see it, and each
    // fold model's scores of the calibration strangers.
    const calibrationCodes = quantizeAll(projectSamples(calibrationStrangers, spec, projection), MAIN_QUANTIZATION);
    const folds = int8.cv.foldModels.map((foldModel, fold) => {
      const model = integerModelOf(foldModel, MAIN_QUANTIZATION);
      return {
        known: split.train.flatMap((row, i) => (int8.cv.foldOf[i] === fold ? [scoreSample(model, codes[row]!, labels[row]!)] : [])),
        calibration: calibrationCodes.map((code) => scoreSample(model, code, -1)),
      };
    });
    const calibrationScored = calibrationCodes.map((code) => scoreSample(integer, code, -1));
    const evaluationCodes = quantizeAll(projectSamples(evaluationStrangers, spec, projection), MAIN_QUANTIZATION);
    const evaluationScored = evaluationCodes.map((code) => scoreSample(integer, code, -1));
    const testScored = split.test.map((row) => scoreSample(integer, codes[row]!, labels[row]!));
    const rules = rulesAt(calibrationScored, folds, testScored, evaluationScored);
    const candidate: Candidate = {
      spec, descriptor: describeSpec(spec), projection, vectors, negativeVectors, codes, evaluationCodes, int8, integer, integerTest,
      calibrationScored, testScored, evaluationScored, rules,
      criterion: Math.max(...rules.map((outcome) => outcome.calibration.acceptedCorrect)),
    };
    candidates.set(specKey(spec), candidate);
    log(
      `${candidate.descriptor}: C ${int8.cv.bestC}, integer ${percent(integerTest)}, out-of-fold faces accepted and correct ` +
        rules.map((outcome) => `${percent(outcome.calibration.acceptedCorrect)} (${outcome.rule})`).join(', ') +
        ` (${int8.seconds.toFixed(0)} s)`,
    );
    return candidate;
  };
  // The first candidate with the highest criterion wins.
  const better = (a: Candidate, b: Candidate): Candidate => (b.criterion > a.criterion ? b : a);

  try {
    // Descriptor choice: the rotated candidates, then the best of them without the rotation.
    let chosen: Candidate | undefined;
    for (const spec of rotatedCandidates(source)) {
      const candidate = await measure(spec);
      chosen = chosen ? better(chosen, candidate) : candidate;
    }
    chosen = better(chosen!, await measure({ ...chosen!.spec, rotate: false }));
    const { spec } = chosen;
    const C = chosen.int8.cv.bestC;
    log(`chosen descriptor: ${chosen.descriptor}`);
    // The variants below may measure more specs; the report lists only those the choice weighed.
    const weighed = [...candidates.values()];
    endStage('choose-descriptor');

    // FP32, INT8 embeddings and the integer model, with and without the mirror-image average.
    const variants: VariantResult[] = [];
    for (const flip of options.weightsOnly ? [] : [false, true]) {
      const candidate = await measure({ ...spec, flip });
      const fp32 = await fitAndTest(trainer, floatFeatures(candidate.vectors), labels, classCount, split, settings, useNegatives ? floatFeatures(candidate.negativeVectors) : undefined);
      // FP32 on the same vectors each divided by its largest magnitude: INT8 quantization's scale without its rounding.
      const scaled = await fitAndTest(
        trainer, floatFeatures(candidate.vectors.map(maxScaled)), labels, classCount, split, settings,
        useNegatives ? floatFeatures(candidate.negativeVectors.map(maxScaled)) : undefined,
      );
      const { descriptor, int8 } = candidate;
      variants.push(
        { kind: 'fp32', descriptor, dims: HARDWARE_DIMS, C: fp32.cv.bestC, cvAccuracy: best(fp32.cv.grid), testAccuracy: fp32.testAccuracy, cvGrid: fp32.cv.grid },
        { kind: 'fp32-max-scaled', descriptor, dims: HARDWARE_DIMS, C: scaled.cv.bestC, cvAccuracy: best(scaled.cv.grid), testAccuracy: scaled.testAccuracy, cvGrid: scaled.cv.grid },
        { kind: 'int8-embeddings', descriptor, dims: HARDWARE_DIMS, quantization: MAIN_QUANTIZATION, C: int8.cv.bestC, cvAccuracy: best(int8.cv.grid), testAccuracy: int8.testAccuracy, cvGrid: int8.cv.grid },
        { kind: 'integer', descriptor, dims: HARDWARE_DIMS, quantization: MAIN_QUANTIZATION, C: int8.cv.bestC, testAccuracy: candidate.integerTest },
      );
      log(`${descriptor}: FP32 C ${fp32.cv.bestC}, test ${percent(fp32.testAccuracy)}; FP32 divided by the largest magnitude ${percent(scaled.testAccuracy)}; INT8 float weights ${percent(int8.testAccuracy)}, integer ${percent(candidate.integerTest)}`);
    }
    endStage('train-variants');

    // The other quantization settings, at the chosen C.
    const quantizationResults: VariantResult[] = [];
    for (const quantization of options.weightsOnly ? [] : ALL_QUANTIZATIONS) {
      const isMain = quantization.rounding === MAIN_QUANTIZATION.rounding && quantization.arithmetic === MAIN_QUANTIZATION.arithmetic;
      const codes = isMain ? chosen.codes : quantizeAll(chosen.vectors, quantization);
      let trained = chosen.int8.model;
      if (!isMain) {
        const train = withNegatives(
          selectRows(int8Features(codes), split.train),
          Int32Array.from(split.train, (row) => labels[row]!),
          int8Negatives(chosen.negativeVectors, quantization),
        );
        trained = (await trainer.trainPath(train.x, train.labels, classCount, [C], DEFAULT_SVM_OPTIONS)).models[0]!;
      }
      const accuracy = integerAccuracy(integerModelOf(trained, quantization), split.test.map((row) => codes[row]!), testLabels);
      quantizationResults.push({ kind: 'integer', descriptor: chosen.descriptor, dims: HARDWARE_DIMS, quantization, C, testAccuracy: accuracy });
      log(`integer model, ${quantization.rounding}/${quantization.arithmetic}: ${percent(accuracy)}`);
    }
    endStage('quantization-variants');

    // Other descriptor lengths from the chosen raw descriptor: shorter ones with C chosen among the neighbours of
    // the chosen C, longer ones at the chosen C.
    const dimsResults: VariantResult[] = [];
    const neighbourGrid = C_GRID.filter((_, i) => Math.abs(i - C_GRID.indexOf(C as (typeof C_GRID)[number])) <= 1);
    const { basis } = basisOf(spec);
    const lengths = [...SHORTER_DIMS, ...LONGER_DIMS].filter((dims) => dims <= basis.inputDims);
    for (const dims of options.weightsOnly ? [] : lengths) {
      const projection = projectionOf(basis, dims, spec.rotate);
      const codes = quantizeAll(basisOf(spec).raw.map((vector) => applyProjection(projection, vector)), MAIN_QUANTIZATION);
      const negatives = int8Negatives(projectSamples(negativeStrangers, spec, projection), MAIN_QUANTIZATION);
      let model: OneVsRestSvm;
      let cv: FitResult['cv'] | undefined;
      if (dims < HARDWARE_DIMS) {
        const fit = await fitAndTest(trainer, int8Features(codes), labels, classCount, split, { ...settings, grid: neighbourGrid }, negatives);
        model = fit.model;
        cv = fit.cv;
      } else {
        const train = withNegatives(selectRows(int8Features(codes), split.train), Int32Array.from(split.train, (row) => labels[row]!), negatives);
        model = (await trainer.trainPath(train.x, train.labels, classCount, [C], DEFAULT_SVM_OPTIONS)).models[0]!;
      }
      const integer = integerModelOf(model, MAIN_QUANTIZATION);
      const accuracy = integerAccuracy(integer, split.test.map((row) => codes[row]!), testLabels);
      const scoreStrangers = (samples: readonly Sample[]) =>
        quantizeAll(projectSamples(samples, spec, projection), MAIN_QUANTIZATION).map((code) => scoreSample(integer, code, -1));
      const testScored = split.test.map((row) => scoreSample(integer, codes[row]!, labels[row]!));
      const [byScore, byMargin] = rulesAt(scoreStrangers(calibrationStrangers), [], testScored, scoreStrangers(evaluationStrangers)).map((outcome) => outcome.evaluation);
      dimsResults.push({
        kind: 'integer', descriptor: chosen.descriptor, dims, quantization: MAIN_QUANTIZATION, C: cv?.bestC ?? C, cvAccuracy: cv ? best(cv.grid) : undefined,
        testAccuracy: accuracy, explainedVariance: projection.explainedVariance, openSet: { score: byScore!, margin: byMargin! },
      });
      log(`integer model, D ${dims}: ${percent(accuracy)}, accepted and correct ${percent(byScore!.acceptedCorrect)} (score), ${percent(byMargin!.acceptedCorrect)} (margin)`);
    }
    endStage('dims-variants');

    // Threshold and rule of the chosen descriptor. The rule kept accepts more out-of-fold training faces correctly
    // at the calibrated false-accept limit. A tie goes to `score`, because it needs no runner-up score in hardware.
    const allowed = allowedFalseAccepts(chosen.calibrationScored.length, options.maxFalseAcceptRate, confidence);
    const bound = confidence === 0 ? undefined : falseAcceptBound(allowed, chosen.calibrationScored.length, confidence);
    if (bound !== undefined && bound > options.maxFalseAcceptRate) {
      log(
        `warning: with ${chosen.calibrationScored.length} calibration strangers even a threshold that accepts none of them bounds the ` +
          `false-accept rate only by ${percent(bound)} at ${100 * confidence} % confidence, above the limit ${percent(options.maxFalseAcceptRate)}; ` +
          `about ${strangersNeeded(options.maxFalseAcceptRate, confidence)} are needed (give more stranger people, or --confidence 0)`,
      );
    }
    const model = chosen.integer;
    const byRule = (rule: RejectionRule) => chosen.rules.find((outcome) => outcome.rule === rule)!;
    const chosenRule: RejectionRule = byRule('margin').calibration.acceptedCorrect > byRule('score').calibration.acceptedCorrect ? 'margin' : 'score';
    model.rule = chosenRule;
    model.threshold = byRule(chosenRule).threshold;
    log(
      `rule ${chosenRule}, threshold ${model.threshold}: strangers accepted ${percent(byRule(chosenRule).evaluation.falseAcceptRate)}, ` +
        `known faces accepted and correct ${percent(byRule(chosenRule).evaluation.acceptedCorrect)}`,
    );
    endStage('calibrate');

    // Artifacts.
    const cacheKeys = networks.map((network) => CACHE_KEYS[network]());
    const projectionText = `pca ${chosen.projection.inputDims} to ${chosen.projection.outputDims}${spec.rotate ? ' then Hadamard rotation' : ''}, ${PROJECTION_FILE}`;
    const provenance: ModelProvenance = {
      descriptor: {
        model: cacheKeys.map((key) => key.model).join(' + '),
        preprocessing: cacheKeys.map((key) => key.preprocessing).join(' + '),
        backend: cacheKeys[0]!.backend,
        flip: spec.flip,
        fusionWeight: spec.fusionWeight ?? null,
        projection: projectionText,
      },
      svm: { C, loss: DEFAULT_SVM_OPTIONS.loss, bias: DEFAULT_SVM_OPTIONS.bias, epsilon: DEFAULT_SVM_OPTIONS.epsilon, maxIterations: DEFAULT_SVM_OPTIONS.maxIterations },
      weightScale: quantizeSvm(chosen.int8.model, INT8_LIMIT).weightScale,
      featureScale: INT8_LIMIT,
      threshold: { maxFalseAcceptRate: options.maxFalseAcceptRate, confidence, calibrationStrangers: chosen.calibrationScored.length, negativeStrangers: negativeStrangers.length },
      split: { seed: options.seed, testFraction: options.testFraction, train: split.train.length, test: split.test.length },
    };
    writeFileSync(join(options.outDir, WEIGHTS_FILE), formatIntModel(model, provenance));
    writeFileSync(join(options.outDir, PROJECTION_FILE), formatProjection(chosen.projection, spec, networks));
    const replay: ReplayVector[] = [
      ...split.test.map((row) => ({ file: faceSamples[row]!.file, set: 'test' as const, label: labels[row]!, vector: chosen.codes[row]! })),
      ...evaluationStrangers.map((sample, i) => ({ file: sample.file, set: 'stranger-evaluation' as const, label: -1, vector: chosen.evaluationCodes[i]! })),
    ];
    writeReplayVectors(join(options.outDir, REPLAY_BASE), model, replay);
    endStage('write-model');
    if (options.weightsOnly) {
      if (existsSync(join(options.outDir, 'report.md'))) {
        log(`note: ${join(options.outDir, 'report.md')} is from an earlier run; --weights-only does not rewrite the report`);
      }
      return;
    }

    const candidateResults: CandidateResult[] = weighed.map((candidate) => ({
      descriptor: candidate.descriptor,
      flip: candidate.spec.flip,
      fusionWeight: candidate.spec.fusionWeight ?? null,
      rotated: candidate.spec.rotate,
      C: candidate.int8.cv.bestC,
      cvAccuracy: best(candidate.int8.cv.grid),
      integerTestAccuracy: candidate.integerTest,
      criterion: candidate.criterion,
      rules: candidate.rules,
      chosen: candidate === chosen,
    }));
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
        skipped: [...skippedByName.values()],
        fallbackBoxes: networks.map((network, n) => ({
          network,
          faces: faceSamples.filter((sample) => !sample.embeddings[n]!.detected).length,
          strangers: [...negativeStrangers, ...calibrationStrangers, ...evaluationStrangers].filter((sample) => !sample.embeddings[n]!.detected).length,
        })),
        split: { seed: options.seed, testFraction: options.testFraction, train: split.train.length, test: split.test.length },
        strangerHalves: {
          negatives: { people: negativePeople.length, images: negativeStrangers.length },
          calibration: { people: calibrationPeople.length, images: calibrationStrangers.length },
          evaluation: { people: evaluationPeople.length, images: evaluationStrangers.length },
        },
      },
      embeddings: embeddingSummaries,
      source,
      candidates: candidateResults,
      variants,
      quantizationVariants: quantizationResults,
      dimsVariants: dimsResults,
      chosen: {
        flip: spec.flip, fusionWeight: spec.fusionWeight ?? null, rotated: spec.rotate, descriptor: chosen.descriptor,
        quantization: MAIN_QUANTIZATION, dims: HARDWARE_DIMS, C, cvAccuracy: best(chosen.int8.cv.grid), integerTestAccuracy: chosen.integerTest,
        explainedVariance: chosen.projection.explainedVariance,
        rule: chosenRule, threshold: model.threshold,
      },
      openSet: {
        maxFalseAcceptRate: options.maxFalseAcceptRate,
        confidence,
        allowedFalseAccepts: allowed,
        bound: bound ?? null,
        strangersNeeded: strangersNeeded(options.maxFalseAcceptRate, confidence),
        rules: chosen.rules,
        curves: Object.fromEntries(RULES.map((rule) => [rule, thresholdCurve(chosen.testScored, chosen.evaluationScored, rule, 121)])),
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

/**
 * Embeds the face and stranger files with one network through its cache, known faces first, so an interrupted
 * run has what training needs before it turns to the strangers.
 */
async function embedWithCache(
  network: NetworkName,
  faceFiles: readonly ImageFile[],
  strangerFiles: readonly ImageFile[],
  cacheDir: string,
  workers: number,
): Promise<{ embeddings: Map<string, FaceEmbedding>; skipped: SkippedImage[]; summary: EmbeddingSummary }> {
  const key = CACHE_KEYS[network]();
  const cache = EmbeddingCache.open(cacheDir, key);
  try {
    log(`${network}: embedding cache ${cache.binPath}, ${cache.size} records`);
    const faceOutcome = await embedImages([...faceFiles], cache, workers, network);
    cache.writeIndex(faceOutcome.hashes);
    const strangerOutcome = await embedImages([...strangerFiles], cache, workers, network);
    const outcomes = [faceOutcome, strangerOutcome];
    const computed = faceOutcome.computed + strangerOutcome.computed;
    const succeeded = faceOutcome.succeeded + strangerOutcome.succeeded;
    const computeSeconds = faceOutcome.computeSeconds + strangerOutcome.computeSeconds;
    // A run that only retried images with no face found measures nothing useful, so the stored timing stays.
    const newTiming: EmbeddingTiming | undefined =
      succeeded > 0 ? { images: computed, seconds: computeSeconds, workers, secondsPerImagePerWorker: (computeSeconds * workers) / computed } : undefined;
    cache.writeIndex(outcomes.flatMap((outcome) => outcome.hashes), newTiming);
    const fromCache = faceOutcome.fromCache + strangerOutcome.fromCache;
    const skipped = outcomes.flatMap((outcome) => outcome.skipped);
    log(`${network}: embedded ${succeeded} images, ${fromCache} from the cache, ${skipped.length} skipped`);
    return {
      embeddings: new Map(outcomes.flatMap((outcome) => [...outcome.embeddings])),
      skipped,
      summary: { network, ...key, timing: newTiming ?? cache.readTiming(), computedThisRun: succeeded, fromCache },
    };
  } finally {
    cache.close();
  }
}

/** Formats the projection file: how the descriptor is made, then `y = (x - mean) components`. */
function formatProjection(projection: Projection, spec: DescriptorSpec, networks: readonly NetworkName[]): string {
  const perNetwork = spec.flip
    ? "Each network's descriptor is the mean of its descriptors of the image and of the mirror image."
    : "Each network's descriptor is that of the image as it is.";
  const joined =
    spec.fusionWeight === undefined
      ? `x is the ${networks[0]} descriptor.`
      : `Then x joins the ${networks[0]} descriptor scaled to unit length and the ${networks[1]} descriptor scaled to unit length times ${spec.fusionWeight}.`;
  const descriptor = `${perNetwork} ${joined}`;
  return (
    JSON.stringify({
      description: `Host-side projection applied before INT8 quantization: y[j] = sum_k (x[k] - mean[k]) * components[k][j], rounded to float32. ${descriptor}`,
      networks,
      flip: spec.flip,
      fusionWeight: spec.fusionWeight ?? null,
      rotation: spec.rotate ? 'hadamard' : 'none',
      inputDims: projection.inputDims,
      outputDims: projection.outputDims,
      mean: Array.from(projection.mean),
      components: Array.from({ length: projection.inputDims }, (_, k) =>
        Array.from(projection.components.subarray(k * projection.outputDims, (k + 1) * projection.outputDims)),
      ),
    }) + '\n'
  );
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
