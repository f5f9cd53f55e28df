/**
 * Training and test-set evaluation of one feature variant: C chosen by cross-validation on the training split,
 * a final model trained on the whole training split with that C, and top-1 accuracy on the test split, for the
 * float model and, on INT8 codes, for the integer model made from it.
 */

import { argmax, crossValidateC, type CrossValidation, type SvmTrainer, withNegatives } from './cross-validation.ts';
import { selectRows } from './features.ts';
import { classifyInt, type IntModel, scoresInt } from './integer-model.ts';
import type { FeatureMatrix, LinearSvmOptions, OneVsRestSvm } from './linear-svm.ts';
import type { ScoredSample } from './open-set.ts';

export interface FitSettings {
  grid: readonly number[];
  folds: number;
  seed: number;
  svm: Omit<LinearSvmOptions, 'C'>;
}

export interface FitResult {
  cv: CrossValidation;
  model: OneVsRestSvm;
  testAccuracy: number;
  seconds: number;
}

/**
 * Cross-validates C on the training rows of `x`, trains the final model and measures it on the test rows.
 * `negatives` (stranger rows, in the same features) join every training set as negatives of every class.
 */
export async function fitAndTest(
  trainer: SvmTrainer,
  x: FeatureMatrix,
  labels: Int32Array,
  classCount: number,
  split: { train: number[]; test: number[] },
  settings: FitSettings,
  negatives?: FeatureMatrix,
): Promise<FitResult> {
  const started = performance.now();
  const trainX = selectRows(x, split.train);
  const trainLabels = Int32Array.from(split.train, (row) => labels[row]!);
  const cv = await crossValidateC(trainer, trainX, trainLabels, classCount, settings.grid, settings.folds, settings.seed, settings.svm, negatives);

  const testX = selectRows(x, split.test);
  const finalTrain = withNegatives(trainX, trainLabels, negatives);
  const final = await trainer.trainPath(finalTrain.x, finalTrain.labels, classCount, [cv.bestC], settings.svm, testX);
  let correct = 0;
  split.test.forEach((row, i) => {
    if (argmax(final.heldOutScores[0]!, i * classCount, classCount) === labels[row]) correct++;
  });
  return { cv, model: final.models[0]!, testAccuracy: correct / split.test.length, seconds: (performance.now() - started) / 1000 };
}

/** Top-1 accuracy of the integer model on int8 codes, ignoring the unknown decision. */
export function integerAccuracy(model: IntModel, codes: readonly Int8Array[], labels: ArrayLike<number>): number {
  let correct = 0;
  codes.forEach((code, i) => {
    if (classifyInt(model, code).classIndex === labels[i]) correct++;
  });
  return correct / codes.length;
}

/** Integer best score, runner-up score and predicted class of one code, for the open-set measures. */
export function scoreSample(model: IntModel, code: Int8Array, label: number): ScoredSample {
  const scores = scoresInt(model, code);
  let predicted = 0;
  for (let c = 1; c < scores.length; c++) if (scores[c]! > scores[predicted]!) predicted = c;
  let second = -Infinity;
  scores.forEach((score, c) => {
    if (c !== predicted && score > second) second = score;
  });
  return { best: scores[predicted]!, second, predicted, label };
}
