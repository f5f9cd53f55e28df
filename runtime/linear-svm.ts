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
 *
 * A regularization path (several C values in ascending order) starts each C from the dual solution of the previous
 * one. That start is feasible because the dual's box only widens as C grows, and it cuts the passes needed.
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
  epsilon: 0.1,
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
  /** Dual solution, for a warm start at a larger C. */
  alpha: Float64Array;
}

export interface OneVsRestSvm {
  classCount: number;
  dims: number;
  /** Weights of class c at `c * dims`. */
  weights: Float64Array;
  biases: Float64Array;
}

/**
 * Trains one binary SVM; `targets[i]` is +1 or -1 for row i. `initialAlpha`, the dual solution at a smaller C,
 * gives a warm start.
 */
export function trainBinarySvm(x: FeatureMatrix, targets: Int8Array, options: LinearSvmOptions, initialAlpha?: Float64Array): BinarySvm {
  const { rows, cols, data } = x;
  const { C, bias } = options;
  const upperBound = options.loss === 'hinge' ? C : Infinity;
  const diagonal = options.loss === 'hinge' ? 0 : 1 / (2 * C);

  const w = new Float64Array(cols);
  let wBias = 0;
  const alpha = initialAlpha ? Float64Array.from(initialAlpha, (value) => Math.min(value, upperBound)) : new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    if (alpha[i] === 0) continue;
    const step = alpha[i]! * targets[i]!;
    for (let k = 0, offset = i * cols; k < cols; k++) w[k]! += step * data[offset + k]!;
    wBias += step * bias;
  }
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
      const margin = wBias * bias + dot(w, data, offset, cols);
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

  return { weights: w, bias: wBias * bias, iterations: iteration, alpha };
}

/** Returns `w . data[offset .. offset + cols)`, summed in four interleaved partial sums for speed. */
function dot(w: Float64Array, data: Float64Array, offset: number, cols: number): number {
  let sum0 = 0;
  let sum1 = 0;
  let sum2 = 0;
  let sum3 = 0;
  let k = 0;
  for (; k + 3 < cols; k += 4) {
    sum0 += w[k]! * data[offset + k]!;
    sum1 += w[k + 1]! * data[offset + k + 1]!;
    sum2 += w[k + 2]! * data[offset + k + 2]!;
    sum3 += w[k + 3]! * data[offset + k + 3]!;
  }
  for (; k < cols; k++) sum0 += w[k]! * data[offset + k]!;
  return sum0 + sum1 + (sum2 + sum3);
}

/** Trains one binary SVM per class, class c against all others; `labels[i]` is the class index of row i. */
export function trainOneVsRest(x: FeatureMatrix, labels: ArrayLike<number>, classCount: number, options: LinearSvmOptions): OneVsRestSvm {
  const { C, ...rest } = options;
  return trainOneVsRestPath(x, labels, classCount, 0, classCount, [C], rest)[0]!;
}

/**
 * Trains the one-vs-rest binary SVMs of classes `firstClass .. endClass - 1` along the regularization path `grid`
 * (ascending). Returns one model per C whose `classCount` is the number of classes trained. Class c uses the
 * seed `options.seed + c`, so splitting the classes over several calls gives the same models.
 */
export function trainOneVsRestPath(
  x: FeatureMatrix,
  labels: ArrayLike<number>,
  classCount: number,
  firstClass: number,
  endClass: number,
  grid: readonly number[],
  options: Omit<LinearSvmOptions, 'C'>,
): OneVsRestSvm[] {
  for (let i = 1; i < grid.length; i++) {
    if (!(grid[i]! > grid[i - 1]!)) throw new Error(`C values must ascend, got ${grid.join(', ')}`);
  }
  if (!(firstClass >= 0 && firstClass < endClass && endClass <= classCount)) {
    throw new Error(`invalid class range ${firstClass}..${endClass} for ${classCount} classes`);
  }
  const count = endClass - firstClass;
  const models = grid.map(() => ({ classCount: count, dims: x.cols, weights: new Float64Array(count * x.cols), biases: new Float64Array(count) }));
  const targets = new Int8Array(x.rows);
  for (let c = firstClass; c < endClass; c++) {
    for (let i = 0; i < x.rows; i++) targets[i] = labels[i] === c ? 1 : -1;
    let alpha: Float64Array | undefined;
    grid.forEach((C, g) => {
      const binary = trainBinarySvm(x, targets, { ...options, C, seed: options.seed + c }, alpha);
      alpha = binary.alpha;
      models[g]!.weights.set(binary.weights, (c - firstClass) * x.cols);
      models[g]!.biases[c - firstClass] = binary.bias;
    });
  }
  return models;
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
