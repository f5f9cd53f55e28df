/**
 * Host-side linear projection of a descriptor before INT8 quantization: `y = (x - mean) M`, rounded to float32.
 *
 * M is built from two parts, both fitted or fixed before any test face is seen:
 * - PCA fitted on the training split keeps the first `outputDims` principal components;
 * - an optional Hadamard rotation (the Sylvester matrix scaled by 1/sqrt(D)) then mixes every component into every
 *   output. PCA leaves most of a vector's energy in its first components, so the largest magnitude, which sets the
 *   per-vector INT8 scale, follows those few values. After the rotation each output is an equal-weight sum of all
 *   components, the largest magnitude tracks the vector's length, and the INT8 codes of one face keep a steadier
 *   scale. The rotation is orthogonal, so distances and the linear SVM's reach are unchanged before quantization.
 */

import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

export interface Projection {
  mean: Float64Array;
  /** `inputDims x outputDims`, row-major. */
  components: Float64Array;
  inputDims: number;
  outputDims: number;
  /** Share of the training variance the kept components explain. */
  explainedVariance: number;
  /** Whether the Hadamard rotation follows the PCA. */
  rotated: boolean;
}

/** Every principal component of a training set, in order of falling variance. */
export interface PcaBasis {
  mean: Float64Array;
  /** `inputDims x inputDims`, row-major; column c is the c-th component. */
  components: Float64Array;
  /** Variance along each component, falling. */
  variances: Float64Array;
  inputDims: number;
}

/**
 * Fits PCA on `vectors`. Each component's sign is fixed so that its entry of largest magnitude is positive, which
 * makes the projection deterministic.
 */
export function fitPcaBasis(vectors: readonly Float32Array[]): PcaBasis {
  const inputDims = vectors[0]!.length;
  const mean = new Float64Array(inputDims);
  for (const vector of vectors) for (let k = 0; k < inputDims; k++) mean[k]! += vector[k]!;
  for (let k = 0; k < inputDims; k++) mean[k]! /= vectors.length;

  // Upper triangle of the scatter matrix, accumulated in a flat array; ml-matrix's element access is slow here.
  const scatter = new Float64Array(inputDims * inputDims);
  const centred = new Float64Array(inputDims);
  for (const vector of vectors) {
    for (let k = 0; k < inputDims; k++) centred[k] = vector[k]! - mean[k]!;
    for (let i = 0; i < inputDims; i++) {
      const value = centred[i]!;
      const row = i * inputDims;
      for (let j = i; j < inputDims; j++) scatter[row + j]! += value * centred[j]!;
    }
  }
  const covariance = Matrix.zeros(inputDims, inputDims);
  for (let i = 0; i < inputDims; i++) {
    for (let j = i; j < inputDims; j++) {
      const value = scatter[i * inputDims + j]! / (vectors.length - 1);
      covariance.set(i, j, value);
      covariance.set(j, i, value);
    }
  }

  const decomposition = new EigenvalueDecomposition(covariance, { assumeSymmetric: true });
  const eigenvalues = decomposition.realEigenvalues;
  const order = eigenvalues.map((value, index) => ({ value, index })).sort((a, b) => b.value - a.value || a.index - b.index);
  const vectorsMatrix = decomposition.eigenvectorMatrix;

  const components = new Float64Array(inputDims * inputDims);
  order.forEach(({ index: column }, c) => {
    let largest = 0;
    for (let k = 0; k < inputDims; k++) {
      if (Math.abs(vectorsMatrix.get(k, column)) > Math.abs(largest)) largest = vectorsMatrix.get(k, column);
    }
    const sign = largest < 0 ? -1 : 1;
    for (let k = 0; k < inputDims; k++) components[k * inputDims + c] = sign * vectorsMatrix.get(k, column);
  });
  return { mean, components, variances: Float64Array.from(order, ({ value }) => Math.max(0, value)), inputDims };
}

/** Keeps the first `outputDims` components of `basis`. */
export function pcaProjection(basis: PcaBasis, outputDims: number): Projection {
  const { inputDims } = basis;
  if (!Number.isInteger(outputDims) || outputDims < 1 || outputDims > inputDims) {
    throw new Error(`PCA cannot keep ${outputDims} components of ${inputDims}-D vectors`);
  }
  const components = new Float64Array(inputDims * outputDims);
  for (let k = 0; k < inputDims; k++) {
    components.set(basis.components.subarray(k * inputDims, k * inputDims + outputDims), k * outputDims);
  }
  const total = basis.variances.reduce((sum, value) => sum + value, 0);
  const kept = basis.variances.subarray(0, outputDims).reduce((sum, value) => sum + value, 0);
  return { mean: basis.mean, components, inputDims, outputDims, explainedVariance: total > 0 ? kept / total : 0, rotated: false };
}

/** Fits PCA on `vectors` and keeps `outputDims` components. */
export function fitPca(vectors: readonly Float32Array[], outputDims: number): Projection {
  return pcaProjection(fitPcaBasis(vectors), outputDims);
}

/** Returns the `n x n` Hadamard matrix of Sylvester's construction scaled by 1/sqrt(n), row-major; n a power of 2. */
export function hadamardMatrix(n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0) {
    throw new Error(`the Hadamard rotation needs a power of two dimensions, got ${n}`);
  }
  const matrix = new Float64Array(n * n);
  matrix[0] = 1 / Math.sqrt(n);
  // Doubling step: H_2s = [[H_s, H_s], [H_s, -H_s]].
  for (let size = 1; size < n; size *= 2) {
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        const value = matrix[i * n + j]!;
        matrix[i * n + j + size] = value;
        matrix[(i + size) * n + j] = value;
        matrix[(i + size) * n + j + size] = -value;
      }
    }
  }
  return matrix;
}

/** Follows `projection` with the Hadamard rotation of its output, folded into one matrix. */
export function withHadamardRotation(projection: Projection): Projection {
  const { inputDims, outputDims } = projection;
  const rotation = hadamardMatrix(outputDims);
  const components = new Float64Array(inputDims * outputDims);
  for (let k = 0; k < inputDims; k++) {
    for (let j = 0; j < outputDims; j++) {
      let sum = 0;
      for (let c = 0; c < outputDims; c++) sum += projection.components[k * outputDims + c]! * rotation[c * outputDims + j]!;
      components[k * outputDims + j] = sum;
    }
  }
  return { ...projection, components, rotated: true };
}

/** Keeps the first `outputDims` components of `basis`, followed by the Hadamard rotation when `rotate` is set. */
export function projectionOf(basis: PcaBasis, outputDims: number, rotate: boolean): Projection {
  const pca = pcaProjection(basis, outputDims);
  return rotate ? withHadamardRotation(pca) : pca;
}

/** Projects one vector; the result is rounded to float32 like the descriptors it replaces. */
export function applyProjection(projection: Projection, vector: Float32Array): Float32Array {
  const { inputDims, outputDims, mean, components } = projection;
  if (vector.length !== inputDims) throw new Error(`projection takes ${inputDims} values, got ${vector.length}`);
  const centred = new Float64Array(inputDims);
  for (let k = 0; k < inputDims; k++) centred[k] = vector[k]! - mean[k]!;
  const sums = new Float64Array(outputDims);
  for (let k = 0; k < inputDims; k++) {
    const value = centred[k]!;
    const row = k * outputDims;
    for (let c = 0; c < outputDims; c++) sums[c]! += value * components[row + c]!;
  }
  return Float32Array.from(sums);
}
