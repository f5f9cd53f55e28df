/**
 * Conversion of a float one-vs-rest SVM, trained on INT8 codes divided by `featureScale`, into the integer model:
 * one weight scale for all classes, `s = 127 / max|W|`, so scores of different classes stay comparable;
 * `W_q = rint(W * s)` in int8 and `b_q = rint(b * s * featureScale)` in int32, both rounded to nearest with ties
 * to even. The integer score of an INT8 code q is then `W_q . q + b_q ~ s * featureScale * (W . q / featureScale + b)`.
 */

import type { OneVsRestSvm } from './linear-svm.ts';
import { INT8_LIMIT, roundHalfToEven } from './quantize.ts';

export interface QuantizedSvm {
  weights: Int8Array[];
  biases: Int32Array;
  /** s above: integer weight units per float weight unit. */
  weightScale: number;
}

/** Quantizes the weights and biases of `model`; throws when a bias does not fit in int32. */
export function quantizeSvm(model: OneVsRestSvm, featureScale: number): QuantizedSvm {
  let maxAbs = 0;
  for (const value of model.weights) maxAbs = Math.max(maxAbs, Math.abs(value));
  const weightScale = maxAbs === 0 ? 1 : INT8_LIMIT / maxAbs;

  const weights: Int8Array[] = [];
  for (let c = 0; c < model.classCount; c++) {
    const row = new Int8Array(model.dims);
    for (let k = 0; k < model.dims; k++) {
      const value = roundHalfToEven(model.weights[c * model.dims + k]! * weightScale);
      row[k] = Math.max(-INT8_LIMIT, Math.min(INT8_LIMIT, value));
    }
    weights.push(row);
  }

  const biases = new Int32Array(model.classCount);
  for (let c = 0; c < model.classCount; c++) {
    const value = roundHalfToEven(model.biases[c]! * weightScale * featureScale);
    if (Math.abs(value) >= 2 ** 31) {
      throw new Error(`bias of class ${c} quantizes to ${value}, outside int32; the float bias is ${model.biases[c]}`);
    }
    biases[c] = value;
  }
  return { weights, biases, weightScale };
}
