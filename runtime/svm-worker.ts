/**
 * Worker-thread entry for SVM training: trains the one-vs-rest SVMs of a range of classes along a C path and
 * returns them, with their decision values on an optional held-out matrix.
 */

import { decisionValues, type FeatureMatrix, type LinearSvmOptions, type OneVsRestSvm, trainOneVsRestPath } from './linear-svm.ts';

export interface TrainTask {
  train: FeatureMatrix;
  labels: Int32Array;
  classCount: number;
  firstClass: number;
  endClass: number;
  /** C values, ascending. */
  grid: number[];
  options: Omit<LinearSvmOptions, 'C'>;
  heldOut?: FeatureMatrix;
}

export interface TrainResult {
  /** One model per C, covering classes `firstClass .. endClass - 1`. */
  models: OneVsRestSvm[];
  /** Per C, row-major `heldOut.rows x (endClass - firstClass)` decision values, when a held-out matrix was given. */
  heldOutScores: Float64Array[];
}

export default function trainTask(task: TrainTask): TrainResult {
  const models = trainOneVsRestPath(task.train, task.labels, task.classCount, task.firstClass, task.endClass, task.grid, task.options);
  const heldOutScores = models.map((model) => {
    if (!task.heldOut) return new Float64Array(0);
    const scores = new Float64Array(task.heldOut.rows * model.classCount);
    const row = new Float64Array(model.classCount);
    for (let i = 0; i < task.heldOut.rows; i++) {
      decisionValues(model, task.heldOut, i, row);
      scores.set(row, i * model.classCount);
    }
    return scores;
  });
  return { models, heldOutScores };
}
