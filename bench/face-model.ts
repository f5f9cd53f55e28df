// The face classifier model that the benchmark runs: the trained weights
// when the ML pipeline has written them, or else a random model of the same
// shape (C = 423 classes, D = 128), which costs the simulators the same
// number of cycles per face.

import { existsSync } from 'node:fs';
import { INT_MODEL_FORMAT, INT_MODEL_VERSION, loadIntModel, parseIntModel, type IntModel } from '../runtime/integer-model.ts';

export const TRAINED_WEIGHTS = 'generated/lfw/weights.json';
export const CLASSES = 423;
export const DIMS = 128;

export interface BenchModel {
  readonly model: IntModel;
  /** Origin of the weights: the trained file's path, or a description of the random model. */
  readonly source: string;
}

export function benchModel(seed = 1): BenchModel {
  if (existsSync(TRAINED_WEIGHTS)) {
    return { model: loadIntModel(TRAINED_WEIGHTS), source: TRAINED_WEIGHTS };
  }
  return { model: randomModel(CLASSES, DIMS, seed), source: `random, ${CLASSES} classes of ${DIMS} int8 weights (seed ${seed})` };
}

/** Builds a random model in the weights-file format, with biases inside the bound that keeps every score in int32. */
export function randomModel(classes: number, dims: number, seed: number): IntModel {
  const next = lcg(seed);
  const biasBound = 2 ** 31 - 1 - dims * 128 * 128;
  return parseIntModel({
    format: INT_MODEL_FORMAT,
    version: INT_MODEL_VERSION,
    classes: Array.from({ length: classes }, (_, c) => `person_${c}`),
    dims,
    weights: Array.from({ length: classes }, () => Array.from({ length: dims }, () => Math.floor(next() * 256) - 128)),
    biases: Array.from({ length: classes }, () => Math.floor((next() * 2 - 1) * biasBound)),
    threshold: 0,
    rule: 'margin',
    quantization: { scheme: 'per-vector-symmetric', limit: 127, rounding: 'trunc', arithmetic: 'float32' },
  }, 'random benchmark model');
}

/** Random int8 embeddings, the classifier's input. */
export function randomFaces(count: number, dims: number, seed: number): Int8Array[] {
  const next = lcg(seed);
  return Array.from({ length: count }, () => Int8Array.from({ length: dims }, () => Math.floor(next() * 256) - 128));
}

/** A linear congruential generator of numbers in [0, 1), so runs are repeatable. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}
