/**
 * The integer face classifier, the golden model that the hardware must match bit for bit.
 *
 * For an int8 embedding x of length D, class c scores `s_c = b_c + sum_k W[c][k] * x[k]`, with int8 weights, int32
 * biases and exact integer accumulation. `loadIntModel` rejects a model whose scores could leave the int32 range,
 * so a 32-bit two's-complement accumulator never wraps. The predicted class is the argmax, ties to the lowest class
 * index; the second score is the highest score of the other classes. The face is unknown when
 * - rule `score`: `s_best < threshold`, or
 * - rule `margin`: `s_best - s_second < threshold`.
 */

import { readFileSync } from 'node:fs';

import type { QuantizeSettings } from './quantize.ts';

export const INT_MODEL_FORMAT = 'hdlc-svm-int8';
export const INT_MODEL_VERSION = 1;

export type RejectionRule = 'score' | 'margin';

export interface IntModel {
  format: typeof INT_MODEL_FORMAT;
  version: typeof INT_MODEL_VERSION;
  /** Class names, in class-index order. */
  classes: string[];
  /** Embedding length D. */
  dims: number;
  /** C rows of D int8 weights. */
  weights: Int8Array[];
  /** C int32 biases. */
  biases: Int32Array;
  threshold: number;
  rule: RejectionRule;
  /** Conversion of float embeddings to the int8 input vectors. */
  quantization: QuantizeSettings & { scheme: 'per-vector-symmetric'; limit: 127 };
}

export interface IntClassification {
  classIndex: number;
  score: bigint;
  secondScore: bigint;
  unknown: boolean;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Returns the class scores of `x` as exact integers; every partial sum is below 2^53, so doubles are exact. */
export function scoresInt(model: IntModel, x: Int8Array): number[] {
  if (x.length !== model.dims) {
    throw new Error(`embedding has ${x.length} values, the model expects ${model.dims}`);
  }
  return model.weights.map((row, c) => {
    let sum = model.biases[c]!;
    for (let k = 0; k < row.length; k++) sum += row[k]! * x[k]!;
    return sum;
  });
}

/** Classifies one int8 embedding: argmax class, its score, the runner-up score and the unknown decision. */
export function classifyInt(model: IntModel, x: Int8Array): IntClassification {
  const scores = scoresInt(model, x);
  let best = 0;
  for (let c = 1; c < scores.length; c++) {
    if (scores[c]! > scores[best]!) best = c;
  }
  let second = -Infinity;
  for (let c = 0; c < scores.length; c++) {
    if (c !== best && scores[c]! > second) second = scores[c]!;
  }

  const score = scores[best]!;
  const measured = model.rule === 'score' ? score : score - second;
  return {
    classIndex: best,
    score: BigInt(score),
    secondScore: BigInt(second),
    unknown: measured < model.threshold,
  };
}

const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** Checks a parsed weights file and builds the model; throws an Error naming the first invalid field. */
export function parseIntModel(json: unknown, source = 'weights JSON'): IntModel {
  const fail = (message: string): never => {
    throw new WeightsFileError(`invalid ${source}: ${message}`);
  };
  if (typeof json !== 'object' || json === null) fail('not a JSON object');
  const data = json as Record<string, unknown>;
  if (data.format !== INT_MODEL_FORMAT) fail(`format is ${JSON.stringify(data.format)}, expected "${INT_MODEL_FORMAT}"`);
  if (data.version !== INT_MODEL_VERSION) fail(`version is ${JSON.stringify(data.version)}, expected ${INT_MODEL_VERSION}`);

  const classes = data.classes;
  if (!Array.isArray(classes) || classes.length < 2 || !classes.every((name) => typeof name === 'string')) {
    fail('classes must be an array of at least two names');
  }
  const classCount = (classes as string[]).length;
  const dims = data.dims;
  if (!isInteger(dims) || dims < 1) fail(`dims is ${JSON.stringify(dims)}, expected a positive integer`);
  const d = dims as number;

  const rows = data.weights;
  if (!Array.isArray(rows) || rows.length !== classCount) fail(`weights must have ${classCount} rows, one per class`);
  const weights = (rows as unknown[]).map((row, c) => {
    if (!Array.isArray(row) || row.length !== d) fail(`weights row ${c} must have ${d} values`);
    const values = row as unknown[];
    if (!values.every((v) => isInteger(v) && v >= -128 && v <= 127)) fail(`weights row ${c} has a value outside int8`);
    return Int8Array.from(values as number[]);
  });

  const biasList = data.biases;
  if (!Array.isArray(biasList) || biasList.length !== classCount) fail(`biases must have ${classCount} values`);
  // The largest |w * x| is 128 * 128, so this bound keeps every score, and every partial sum, inside int32.
  const dotBound = d * 128 * 128;
  (biasList as unknown[]).forEach((b, c) => {
    if (!isInteger(b) || b - dotBound < INT32_MIN || b + dotBound > INT32_MAX) {
      fail(`bias ${c} is ${JSON.stringify(b)}; it must be an integer with |bias| + ${dotBound} inside int32`);
    }
  });

  if (!isInteger(data.threshold)) fail(`threshold is ${JSON.stringify(data.threshold)}, expected an integer`);
  if (data.rule !== 'score' && data.rule !== 'margin') fail(`rule is ${JSON.stringify(data.rule)}, expected "score" or "margin"`);

  const quantization = data.quantization as IntModel['quantization'] | undefined;
  if (
    !quantization ||
    quantization.scheme !== 'per-vector-symmetric' ||
    quantization.limit !== 127 ||
    (quantization.rounding !== 'trunc' && quantization.rounding !== 'nearest-even') ||
    (quantization.arithmetic !== 'float32' && quantization.arithmetic !== 'float64')
  ) {
    fail('quantization must give scheme "per-vector-symmetric", limit 127, rounding and arithmetic');
  }

  return {
    format: INT_MODEL_FORMAT,
    version: INT_MODEL_VERSION,
    classes: classes as string[],
    dims: d,
    weights,
    biases: Int32Array.from(biasList as number[]),
    threshold: data.threshold as number,
    rule: data.rule as RejectionRule,
    quantization: {
      scheme: 'per-vector-symmetric',
      limit: 127,
      rounding: quantization!.rounding,
      arithmetic: quantization!.arithmetic,
    },
  };
}

/** A weights file that cannot be read or does not hold a valid model; the message names the file and the fault. */
export class WeightsFileError extends Error {
  override readonly name = 'WeightsFileError';
}

/** Reads and checks a weights file written by the pipeline. */
export function loadIntModel(path: string): IntModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new WeightsFileError(`cannot read the weights file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new WeightsFileError(`invalid weights file ${path}: ${(error as Error).message}`);
  }
  return parseIntModel(json, `weights file ${path}`);
}
