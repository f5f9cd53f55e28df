/**
 * Feature matrices for training and evaluation, built from cached face embeddings:
 * - the descriptor, or with test-time augmentation the element-wise mean of the descriptor and that of the
 *   mirror image, rounded to float32;
 * - for two networks, both descriptors at unit length joined into one, the second weighted (see projection.ts for
 *   the projection that follows);
 * - as float features, or as per-vector INT8 codes (see quantize.ts) divided by 127 so both kinds share one range
 *   of the SVM constant C.
 */

import type { FaceEmbedding } from './face-api-embedder.ts';
import type { FeatureMatrix } from './linear-svm.ts';
import { INT8_LIMIT, quantizeVector, type QuantizeSettings } from './quantize.ts';

/** Descriptor of one image: the plain one, or the mean with its mirror image (`flip`). */
export function descriptorOf(embedding: FaceEmbedding, flip: boolean): Float32Array {
  if (!flip) return embedding.descriptor;
  const out = new Float32Array(embedding.descriptor.length);
  for (let k = 0; k < out.length; k++) {
    out[k] = (embedding.descriptor[k]! + embedding.flippedDescriptor[k]!) / 2;
  }
  return out;
}

/** Scales `vector` to unit Euclidean length in float64, rounded to float32; an all-zero vector stays zero. */
export function unitLength(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  return vector.map((value) => value * scale);
}

/**
 * Divides `vector` by its largest magnitude, in float64, rounded to float32: the per-vector scale of INT8
 * quantization without its rounding, so the two parts of quantization can be measured apart.
 */
export function maxScaled(vector: Float32Array): Float32Array {
  let largest = 0;
  for (const value of vector) largest = Math.max(largest, Math.abs(value));
  const scale = largest > 0 ? 1 / largest : 0;
  return vector.map((value) => value * scale);
}

/**
 * Joins the descriptors of two networks into one: `[a / |a|, weight * b / |b|]`. Unit length puts both on one
 * scale before PCA, and `weight` sets the second network's share of the variance that PCA is fitted to.
 */
export function fuseDescriptors(a: Float32Array, b: Float32Array, weight: number): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(unitLength(a));
  const second = unitLength(b);
  for (let k = 0; k < second.length; k++) out[a.length + k] = weight * second[k]!;
  return out;
}

/** Stacks float vectors into a feature matrix. */
export function floatFeatures(vectors: readonly Float32Array[]): FeatureMatrix {
  const cols = vectors[0]?.length ?? 0;
  const data = new Float64Array(vectors.length * cols);
  vectors.forEach((vector, row) => data.set(vector, row * cols));
  return { rows: vectors.length, cols, data };
}

/** Quantizes each vector to int8. */
export function quantizeAll(vectors: readonly Float32Array[], settings: QuantizeSettings): Int8Array[] {
  return vectors.map((vector) => quantizeVector(vector, settings));
}

/** Stacks int8 codes into a feature matrix, each code divided by 127. */
export function int8Features(codes: readonly Int8Array[]): FeatureMatrix {
  const cols = codes[0]?.length ?? 0;
  const data = new Float64Array(codes.length * cols);
  codes.forEach((code, row) => {
    for (let k = 0; k < cols; k++) data[row * cols + k] = code[k]! / INT8_LIMIT;
  });
  return { rows: codes.length, cols, data };
}

/** Selects rows of a feature matrix. */
export function selectRows(x: FeatureMatrix, rows: readonly number[]): FeatureMatrix {
  const data = new Float64Array(rows.length * x.cols);
  rows.forEach((row, i) => data.set(x.data.subarray(row * x.cols, (row + 1) * x.cols), i * x.cols));
  return { rows: rows.length, cols: x.cols, data };
}

/** Stacks the rows of `b` under those of `a`; both must have the same columns. */
export function stackRows(a: FeatureMatrix, b: FeatureMatrix): FeatureMatrix {
  if (a.cols !== b.cols) throw new Error(`cannot stack rows of ${b.cols} columns under rows of ${a.cols}`);
  const data = new Float64Array((a.rows + b.rows) * a.cols);
  data.set(a.data, 0);
  data.set(b.data, a.rows * a.cols);
  return { rows: a.rows + b.rows, cols: a.cols, data };
}
