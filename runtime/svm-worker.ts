/**
 * Worker-thread entry for SVM training: trains one one-vs-rest model and returns it, with the decision values on
 * an optional held-out matrix.
 */

import { decisionValues, type FeatureMatrix, type LinearSvmOptions, type OneVsRestSvm, trainOneVsRest } from './linear-svm.ts';

export interface TrainTask {
  train: FeatureMatrix;
  labels: Int32Array;
  classCount: number;
  options: LinearSvmOptions;
  heldOut?: FeatureMatrix;
}

export interface TrainResult {
  model: OneVsRestSvm;
  /** Row-major `heldOut.rows x classCount` decision values, when a held-out matrix was given. */
  heldOutScores?: Float64Array;
  seconds: number;
}

export default function trainTask(task: TrainTask): TrainResult {
  const started = performance.now();
  const model = trainOneVsRest(task.train, task.labels, task.classCount, task.options);
  let heldOutScores: Float64Array | undefined;
  if (task.heldOut) {
    heldOutScores = new Float64Array(task.heldOut.rows * task.classCount);
    const row = new Float64Array(task.classCount);
    for (let i = 0; i < task.heldOut.rows; i++) {
      decisionValues(model, task.heldOut, i, row);
      heldOutScores.set(row, i * task.classCount);
    }
  }
  return { model, heldOutScores, seconds: (performance.now() - started) / 1000 };
}
