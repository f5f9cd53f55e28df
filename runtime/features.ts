/**
 * Feature matrices for training and evaluation, built from cached face embeddings:
 * - the descriptor, or with test-time augmentation the element-wise mean of the descriptor and that of the
 *   mirror image, rounded to float32;
 * - optionally projected on the first principal components of the training split (PCA, fitted on the training
 *   rows only), which shortens the vector the hardware has to store weights for;
 * - as float features, or as per-vector INT8 codes (see quantize.ts) divided by 127 so both kinds share one range
 *   of the SVM constant C.
 */

import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

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

/** Principal-component projection `(x - mean) V`, with V's columns the top eigenvectors of the covariance. */
export interface PcaProjection {
  mean: Float64Array;
  /** `inputDims x outputDims`, row-major. */
  components: Float64Array;
  inputDims: number;
  outputDims: number;
  /** Share of the training variance the kept components explain. */
  explainedVariance: number;
}

/**
 * Fits PCA on `vectors` and keeps `outputDims` components. Each component's sign is fixed so that its entry of
 * largest magnitude is positive, which makes the projection deterministic.
 */
export function fitPca(vectors: readonly Float32Array[], outputDims: number): PcaProjection {
  const inputDims = vectors[0]!.length;
  const mean = new Float64Array(inputDims);
  for (const vector of vectors) for (let k = 0; k < inputDims; k++) mean[k]! += vector[k]!;
  for (let k = 0; k < inputDims; k++) mean[k]! /= vectors.length;

  const covariance = Matrix.zeros(inputDims, inputDims);
  const centred = new Float64Array(inputDims);
  for (const vector of vectors) {
    for (let k = 0; k < inputDims; k++) centred[k] = vector[k]! - mean[k]!;
    for (let i = 0; i < inputDims; i++) {
      for (let j = i; j < inputDims; j++) covariance.set(i, j, covariance.get(i, j) + centred[i]! * centred[j]!);
    }
  }
  for (let i = 0; i < inputDims; i++) {
    for (let j = i; j < inputDims; j++) {
      const value = covariance.get(i, j) / (vectors.length - 1);
      covariance.set(i, j, value);
      covariance.set(j, i, value);
    }
  }

  const decomposition = new EigenvalueDecomposition(covariance, { assumeSymmetric: true });
  const eigenvalues = decomposition.realEigenvalues;
  const order = eigenvalues.map((value, index) => ({ value, index })).sort((a, b) => b.value - a.value || a.index - b.index);
  const vectorsMatrix = decomposition.eigenvectorMatrix;

  const components = new Float64Array(inputDims * outputDims);
  for (let c = 0; c < outputDims; c++) {
    const column = order[c]!.index;
    let largest = 0;
    for (let k = 0; k < inputDims; k++) {
      if (Math.abs(vectorsMatrix.get(k, column)) > Math.abs(largest)) largest = vectorsMatrix.get(k, column);
    }
    const sign = largest < 0 ? -1 : 1;
    for (let k = 0; k < inputDims; k++) components[k * outputDims + c] = sign * vectorsMatrix.get(k, column);
  }

  const total = eigenvalues.reduce((sum, value) => sum + Math.max(0, value), 0);
  const kept = order.slice(0, outputDims).reduce((sum, { value }) => sum + Math.max(0, value), 0);
  return { mean, components, inputDims, outputDims, explainedVariance: total > 0 ? kept / total : 0 };
}

/** Projects one vector; the result is rounded to float32 like the descriptors it replaces. */
export function projectPca(pca: PcaProjection, vector: Float32Array): Float32Array {
  const out = new Float32Array(pca.outputDims);
  for (let c = 0; c < pca.outputDims; c++) {
    let sum = 0;
    for (let k = 0; k < pca.inputDims; k++) sum += (vector[k]! - pca.mean[k]!) * pca.components[k * pca.outputDims + c]!;
    out[c] = sum;
  }
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
