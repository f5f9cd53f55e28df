/**
 * L2-regularized linear SVM trained by dual coordinate descent (Hsieh, Chang, Lin, Keerthi, Sathiya, Sundararajan:
 * "A Dual Coordinate Descent Method for Large-scale Linear SVM", ICML 2008; the method of LIBLINEAR's solvers 1
 * and 3), and the one-vs-rest multiclass model built from it.
 *
 * The binary problem, for labels y_i in {-1, +1} and x_i extended by a constant bias feature `bias` (LIBLINEAR's
 * `-B`, so the bias is regularized like the weights):
 *   min_w  1/2 w.w + C sum_i loss(1 - y_i w.x_i)   with loss(t) = max(0, t)^2 ('squared-hinge') or max(0, t) ('hinge').
 * The solver visits the dual variables in an order drawn by a seeded generator, shrinks variables that sit at a
 * bound, and stops when the projected-gradient spread falls below `epsilon` on the full set, or after
 * `maxIterations` passes. Float64 throughout and a fixed visiting order make training deterministic.
 */

import { SeededRandom } from './random.ts';

export type SvmLoss = 'squared-hinge' | 'hinge';

export interface LinearSvmOptions {
  C: number;
  loss: SvmLoss;
  /** Value of the constant feature appended for the bias; 0 trains without a bias. */
  bias: number;
  epsilon: number;
  maxIterations: number;
  seed: number;
}

export const DEFAULT_SVM_OPTIONS: Omit<LinearSvmOptions, 'C'> = {
  loss: 'squared-hinge',
  bias: 1,
  epsilon: 0.01,
  maxIterations: 1000,
  seed: 1,
};

/** Row-major dense matrix of samples. */
export interface FeatureMatrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export interface BinarySvm {
  weights: Float64Array;
  bias: number;
  iterations: number;
}

export interface OneVsRestSvm {
  classCount: number;
  dims: number;
  /** Weights of class c at `c * dims`. */
  weights: Float64Array;
  biases: Float64Array;
}

/** Trains one binary SVM; `targets[i]` is +1 or -1 for row i. */
export function trainBinarySvm(x: FeatureMatrix, targets: Int8Array, options: LinearSvmOptions): BinarySvm {
  const { rows, cols, data } = x;
  const { C, bias } = options;
  const upperBound = options.loss === 'hinge' ? C : Infinity;
  const diagonal = options.loss === 'hinge' ? 0 : 1 / (2 * C);

  const w = new Float64Array(cols);
  let wBias = 0;
  const alpha = new Float64Array(rows);
  const qDiagonal = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let norm = bias * bias + diagonal;
    for (let k = 0, offset = i * cols; k < cols; k++) norm += data[offset + k]! * data[offset + k]!;
    qDiagonal[i] = norm;
  }

  const random = new SeededRandom(options.seed);
  const index = Array.from({ length: rows }, (_, i) => i);
  let activeSize = rows;
  let projectedMaxOld = Infinity;
  let projectedMinOld = -Infinity;
  let iteration = 0;

  while (iteration < options.maxIterations) {
    let projectedMax = -Infinity;
    let projectedMin = Infinity;

    for (let s = activeSize - 1; s > 0; s--) {
      const j = random.integer(0, s);
      const swap = index[s]!;
      index[s] = index[j]!;
      index[j] = swap;
    }

    for (let s = 0; s < activeSize; s++) {
      const i = index[s]!;
      const y = targets[i]!;
      const offset = i * cols;
      let margin = wBias * bias;
      for (let k = 0; k < cols; k++) margin += w[k]! * data[offset + k]!;
      const gradient = y * margin - 1 + diagonal * alpha[i]!;

      let projected = 0;
      if (alpha[i] === 0) {
        if (gradient > projectedMaxOld) {
          activeSize--;
          index[s] = index[activeSize]!;
          index[activeSize] = i;
          s--;
          continue;
        }
        if (gradient < 0) projected = gradient;
      } else if (alpha[i] === upperBound) {
        if (gradient < projectedMinOld) {
          activeSize--;
          index[s] = index[activeSize]!;
          index[activeSize] = i;
          s--;
          continue;
        }
        if (gradient > 0) projected = gradient;
      } else {
        projected = gradient;
      }

      projectedMax = Math.max(projectedMax, projected);
      projectedMin = Math.min(projectedMin, projected);
      if (Math.abs(projected) > 1e-12) {
        const previous = alpha[i]!;
        alpha[i] = Math.min(Math.max(previous - gradient / qDiagonal[i]!, 0), upperBound);
        const step = (alpha[i]! - previous) * y;
        for (let k = 0; k < cols; k++) w[k]! += step * data[offset + k]!;
        wBias += step * bias;
      }
    }

    iteration++;
    if (projectedMax - projectedMin <= options.epsilon) {
      if (activeSize === rows) break;
      // Converged on the shrunk set: check once more on all variables.
      activeSize = rows;
      projectedMaxOld = Infinity;
      projectedMinOld = -Infinity;
      continue;
    }
    projectedMaxOld = projectedMax <= 0 ? Infinity : projectedMax;
    projectedMinOld = projectedMin >= 0 ? -Infinity : projectedMin;
  }

  return { weights: w, bias: wBias * bias, iterations: iteration };
}

/** Trains one binary SVM per class, class c against all others; `labels[i]` is the class index of row i. */
export function trainOneVsRest(x: FeatureMatrix, labels: ArrayLike<number>, classCount: number, options: LinearSvmOptions): OneVsRestSvm {
  const weights = new Float64Array(classCount * x.cols);
  const biases = new Float64Array(classCount);
  const targets = new Int8Array(x.rows);
  for (let c = 0; c < classCount; c++) {
    for (let i = 0; i < x.rows; i++) targets[i] = labels[i] === c ? 1 : -1;
    const binary = trainBinarySvm(x, targets, { ...options, seed: options.seed + c });
    weights.set(binary.weights, c * x.cols);
    biases[c] = binary.bias;
  }
  return { classCount, dims: x.cols, weights, biases };
}

/** Writes the decision values of every class for row `row` of `x` into `out`. */
export function decisionValues(model: OneVsRestSvm, x: FeatureMatrix, row: number, out: Float64Array): void {
  const offset = row * x.cols;
  for (let c = 0; c < model.classCount; c++) {
    let score = model.biases[c]!;
    const weightOffset = c * model.dims;
    for (let k = 0; k < model.dims; k++) score += model.weights[weightOffset + k]! * x.data[offset + k]!;
    out[c] = score;
  }
}

/** Returns the class with the highest decision value for each row, ties to the lowest class index. */
export function predict(model: OneVsRestSvm, x: FeatureMatrix): Int32Array {
  const predictions = new Int32Array(x.rows);
  const scores = new Float64Array(model.classCount);
  for (let i = 0; i < x.rows; i++) {
    decisionValues(model, x, i, scores);
    let best = 0;
    for (let c = 1; c < model.classCount; c++) if (scores[c]! > scores[best]!) best = c;
    predictions[i] = best;
  }
  return predictions;
}
