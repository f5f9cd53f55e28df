/**
 * Choice of the SVM constant C by stratified k-fold cross-validation on the training split, with training spread
 * over a pool of worker threads. Each fold trains the whole C grid as one warm-started path. The C with the highest
 * held-out accuracy over all folds wins, ties to the smaller C.
 */

import { Piscina } from 'piscina';

import type { FeatureMatrix, LinearSvmOptions, OneVsRestSvm } from './linear-svm.ts';
import { selectRows, stackRows } from './features.ts';
import { stratifiedFolds } from './split.ts';
import type { TrainResult, TrainTask } from './svm-worker.ts';

/** Result of training along a C path: per C, the model of all classes and the held-out decision values. */
export interface PathResult {
  models: OneVsRestSvm[];
  /** Per C, row-major `heldOut.rows x classCount`. */
  heldOutScores: Float64Array[];
}

/** Pool of worker threads that train one-vs-rest SVMs, each worker a contiguous range of classes. */
export class SvmTrainer {
  private readonly pool: Piscina<TrainTask, TrainResult>;

  constructor(private readonly workers: number) {
    this.pool = new Piscina<TrainTask, TrainResult>({
      filename: new URL('./svm-worker.ts', import.meta.url).href,
      minThreads: workers,
      maxThreads: workers,
    });
  }

  /** Trains all classes along the ascending C path `grid`, split into one class range per worker. */
  async trainPath(
    train: FeatureMatrix,
    labels: Int32Array,
    classCount: number,
    grid: readonly number[],
    options: Omit<LinearSvmOptions, 'C'>,
    heldOut?: FeatureMatrix,
  ): Promise<PathResult> {
    const chunks = Math.min(this.workers, classCount);
    const bounds = Array.from({ length: chunks + 1 }, (_, i) => Math.round((i * classCount) / chunks));
    const parts = await Promise.all(
      bounds.slice(0, -1).map((firstClass, i) =>
        this.pool.run({ train, labels, classCount, firstClass, endClass: bounds[i + 1]!, grid: [...grid], options, heldOut }),
      ),
    );

    const dims = train.cols;
    const rows = heldOut?.rows ?? 0;
    const models: OneVsRestSvm[] = [];
    const heldOutScores: Float64Array[] = [];
    grid.forEach((_, g) => {
      const weights = new Float64Array(classCount * dims);
      const biases = new Float64Array(classCount);
      const scores = new Float64Array(rows * classCount);
      parts.forEach((part, i) => {
        const firstClass = bounds[i]!;
        const count = bounds[i + 1]! - firstClass;
        weights.set(part.models[g]!.weights, firstClass * dims);
        biases.set(part.models[g]!.biases, firstClass);
        for (let r = 0; r < rows; r++) {
          scores.set(part.heldOutScores[g]!.subarray(r * count, (r + 1) * count), r * classCount + firstClass);
        }
      });
      models.push({ classCount, dims, weights, biases });
      heldOutScores.push(scores);
    });
    return { models, heldOutScores };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

export interface CrossValidation {
  folds: number;
  /** Fold of each training row. */
  foldOf: number[];
  grid: Array<{ C: number; accuracy: number }>;
  bestC: number;
  /** The models of the best C, one per fold, each trained without its fold. */
  foldModels: OneVsRestSvm[];
  /** Row-major `rows x classCount` held-out decision values of the best C. */
  outOfFoldScores: Float64Array;
}

/** Returns the index of the highest score in `scores[offset .. offset + count)`, ties to the lowest index. */
export function argmax(scores: ArrayLike<number>, offset: number, count: number): number {
  let best = 0;
  for (let c = 1; c < count; c++) if (scores[offset + c]! > scores[offset + best]!) best = c;
  return best;
}

/**
 * Cross-validates C over `folds` stratified folds of `x`. `negatives`, rows of no class (strangers), join the
 * training rows of every fold as negatives of every class; they are never held out.
 */
export async function crossValidateC(
  trainer: SvmTrainer,
  x: FeatureMatrix,
  labels: Int32Array,
  classCount: number,
  grid: readonly number[],
  folds: number,
  seed: number,
  options: Omit<LinearSvmOptions, 'C'>,
  negatives?: FeatureMatrix,
): Promise<CrossValidation> {
  if (!Number.isInteger(folds) || folds < 2) throw new Error(`cross-validation needs at least 2 folds, got ${folds}`);
  const foldOf = stratifiedFolds(Array.from(labels), folds, seed);
  const rowsOfFold = (fold: number, inFold: boolean): number[] =>
    foldOf.flatMap((f, row) => ((f === fold) === inFold ? [row] : []));

  const sortedGrid = [...grid].sort((a, b) => a - b);
  const results: Array<{ heldOutRows: number[]; path: PathResult }> = [];
  for (let fold = 0; fold < folds; fold++) {
    const trainRows = rowsOfFold(fold, false);
    const heldOutRows = rowsOfFold(fold, true);
    const foldTrain = withNegatives(selectRows(x, trainRows), Int32Array.from(trainRows, (row) => labels[row]!), negatives);
    const path = await trainer.trainPath(
      foldTrain.x,
      foldTrain.labels,
      classCount,
      sortedGrid,
      options,
      selectRows(x, heldOutRows),
    );
    results.push({ heldOutRows, path });
  }

  const gridResults = sortedGrid.map((C, g) => {
    let correct = 0;
    for (const { heldOutRows, path } of results) {
      heldOutRows.forEach((row, i) => {
        if (argmax(path.heldOutScores[g]!, i * classCount, classCount) === labels[row]) correct++;
      });
    }
    return { C, accuracy: correct / x.rows };
  });
  // Highest accuracy wins; the grid ascends, so on a tie the earlier, smaller C stays.
  const best = gridResults.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  const bestIndex = sortedGrid.indexOf(best.C);

  const outOfFoldScores = new Float64Array(x.rows * classCount);
  const foldModels: OneVsRestSvm[] = [];
  results.forEach(({ heldOutRows, path }, fold) => {
    foldModels[fold] = path.models[bestIndex]!;
    heldOutRows.forEach((row, i) => {
      outOfFoldScores.set(path.heldOutScores[bestIndex]!.subarray(i * classCount, (i + 1) * classCount), row * classCount);
    });
  });
  return { folds, foldOf, grid: gridResults, bestC: best.C, foldModels, outOfFoldScores };
}

/** Appends `negatives` to a training set with the label -1, which matches no class. */
export function withNegatives(x: FeatureMatrix, labels: Int32Array, negatives: FeatureMatrix | undefined): { x: FeatureMatrix; labels: Int32Array } {
  if (!negatives || negatives.rows === 0) return { x, labels };
  const all = new Int32Array(labels.length + negatives.rows).fill(-1);
  all.set(labels);
  return { x: stackRows(x, negatives), labels: all };
}
