/**
 * Choice of the SVM constant C by stratified k-fold cross-validation on the training split, with training spread
 * over a pool of worker threads. The C with the highest mean held-out accuracy wins, ties to the smaller C.
 */

import { Piscina } from 'piscina';

import type { FeatureMatrix, LinearSvmOptions, OneVsRestSvm } from './linear-svm.ts';
import { selectRows } from './features.ts';
import { stratifiedFolds } from './split.ts';
import type { TrainResult, TrainTask } from './svm-worker.ts';

export class SvmTrainer {
  private readonly pool: Piscina<TrainTask, TrainResult>;

  constructor(workers: number) {
    this.pool = new Piscina<TrainTask, TrainResult>({
      filename: new URL('./svm-worker.ts', import.meta.url).href,
      minThreads: workers,
      maxThreads: workers,
    });
  }

  train(task: TrainTask): Promise<TrainResult> {
    return this.pool.run(task);
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

export async function crossValidateC(
  trainer: SvmTrainer,
  x: FeatureMatrix,
  labels: Int32Array,
  classCount: number,
  grid: readonly number[],
  folds: number,
  seed: number,
  options: Omit<LinearSvmOptions, 'C'>,
): Promise<CrossValidation> {
  const foldOf = stratifiedFolds(Array.from(labels), folds, seed);
  const rowsOfFold = (fold: number, inFold: boolean): number[] =>
    foldOf.flatMap((f, row) => ((f === fold) === inFold ? [row] : []));

  const jobs = grid.flatMap((C) =>
    Array.from({ length: folds }, (_, fold) => {
      const trainRows = rowsOfFold(fold, false);
      const heldOutRows = rowsOfFold(fold, true);
      return trainer
        .train({
          train: selectRows(x, trainRows),
          labels: Int32Array.from(trainRows, (row) => labels[row]!),
          classCount,
          options: { ...options, C },
          heldOut: selectRows(x, heldOutRows),
        })
        .then((result) => ({ C, fold, heldOutRows, result }));
    }),
  );
  const results = await Promise.all(jobs);

  const gridResults = grid.map((C) => {
    let correct = 0;
    for (const { heldOutRows, result } of results.filter((r) => r.C === C)) {
      heldOutRows.forEach((row, i) => {
        if (argmax(result.heldOutScores!, i * classCount, classCount) === labels[row]) correct++;
      });
    }
    return { C, accuracy: correct / x.rows };
  });
  const best = gridResults.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));

  const outOfFoldScores = new Float64Array(x.rows * classCount);
  const foldModels: OneVsRestSvm[] = [];
  for (const { fold, heldOutRows, result } of results.filter((r) => r.C === best.C).sort((a, b) => a.fold - b.fold)) {
    foldModels[fold] = result.model;
    heldOutRows.forEach((row, i) => {
      outOfFoldScores.set(result.heldOutScores!.subarray(i * classCount, (i + 1) * classCount), row * classCount);
    });
  }
  return { folds, foldOf, grid: gridResults, bestC: best.C, foldModels, outOfFoldScores };
}
