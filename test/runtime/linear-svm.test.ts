// The dual coordinate descent SVM against closed-form optima, on a separable multiclass problem, and for
// determinism and independence of how classes are split over workers.

import { expect } from 'chai';

import { withNegatives } from '../../runtime/cross-validation.ts';
import { decisionValues, DEFAULT_SVM_OPTIONS, predict, trainBinarySvm, trainOneVsRest, trainOneVsRestPath, type FeatureMatrix } from '../../runtime/linear-svm.ts';
import { SeededRandom } from '../../runtime/random.ts';

const TIGHT = { ...DEFAULT_SVM_OPTIONS, bias: 0, epsilon: 1e-9, maxIterations: 100_000 };

// Points +1 (label +1) and -1 (label -1) without bias. Squared hinge: minimise w^2/2 + 2C(1 - w)^2, so
// w = 4C / (1 + 4C). Hinge: minimise w^2/2 + 2C max(0, 1 - w), so w = 2C below C = 1/2 and 1 above.
const POINTS: FeatureMatrix = { rows: 2, cols: 1, data: Float64Array.of(1, -1) };
const TARGETS = Int8Array.of(1, -1);

describe('trainBinarySvm', () => {
  for (const C of [0.1, 1, 10]) {
    it(`squared hinge, C ${C}, matches 4C/(1+4C)`, () => {
      const model = trainBinarySvm(POINTS, TARGETS, { ...TIGHT, C, loss: 'squared-hinge' });
      expect(model.weights[0]).to.be.closeTo((4 * C) / (1 + 4 * C), 1e-9);
    });
  }

  it('hinge, C 0.1, matches 2C', () => {
    const model = trainBinarySvm(POINTS, TARGETS, { ...TIGHT, C: 0.1, loss: 'hinge' });
    expect(model.weights[0]).to.be.closeTo(0.2, 1e-9);
  });

  it('hinge, C 5, reaches the hard margin', () => {
    const model = trainBinarySvm(POINTS, TARGETS, { ...TIGHT, C: 5, loss: 'hinge' });
    expect(model.weights[0]).to.be.closeTo(1, 1e-9);
  });

  it('learns the bias of shifted points', () => {
    // Points 3 and 1 with a bias feature of 1: the separating point is 2.
    const shifted: FeatureMatrix = { rows: 2, cols: 1, data: Float64Array.of(3, 1) };
    const model = trainBinarySvm(shifted, TARGETS, { ...TIGHT, bias: 1, C: 100, loss: 'hinge' });
    expect(-model.bias / model.weights[0]!).to.be.closeTo(2, 1e-6);
  });

  it('warm start reaches the cold-start optimum', () => {
    const small = trainBinarySvm(POINTS, TARGETS, { ...TIGHT, C: 0.1 });
    const warm = trainBinarySvm(POINTS, TARGETS, { ...TIGHT, C: 10 }, small.alpha);
    expect(warm.weights[0]).to.be.closeTo(40 / 41, 1e-9);
  });
});

/** Three Gaussian clusters in 4-D, far apart, with a fixed seed. */
function clusters(perClass: number): { x: FeatureMatrix; labels: Int32Array } {
  const random = new SeededRandom(7);
  const centres = [
    [4, 0, 0, 1],
    [0, 4, 0, -1],
    [0, 0, 4, 0],
  ];
  const rows = 3 * perClass;
  const data = new Float64Array(rows * 4);
  const labels = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const label = i % 3;
    labels[i] = label;
    for (let k = 0; k < 4; k++) data[i * 4 + k] = centres[label]![k]! + (random.integer(-1000, 1000) / 1000);
  }
  return { x: { rows, cols: 4, data }, labels };
}

describe('trainOneVsRest', () => {
  const { x, labels } = clusters(40);

  it('separates three clusters', () => {
    const model = trainOneVsRest(x, labels, 3, { ...DEFAULT_SVM_OPTIONS, C: 1 });
    expect(Array.from(predict(model, x))).to.deep.equal(Array.from(labels));
  });

  it('gives the same weights on a second run', () => {
    const first = trainOneVsRest(x, labels, 3, { ...DEFAULT_SVM_OPTIONS, C: 1 });
    const second = trainOneVsRest(x, labels, 3, { ...DEFAULT_SVM_OPTIONS, C: 1 });
    expect(Array.from(second.weights)).to.deep.equal(Array.from(first.weights));
    expect(Array.from(second.biases)).to.deep.equal(Array.from(first.biases));
  });

  it('class ranges give the same models as one run', () => {
    const whole = trainOneVsRestPath(x, labels, 3, 0, 3, [0.3, 3], DEFAULT_SVM_OPTIONS);
    const low = trainOneVsRestPath(x, labels, 3, 0, 1, [0.3, 3], DEFAULT_SVM_OPTIONS);
    const high = trainOneVsRestPath(x, labels, 3, 1, 3, [0.3, 3], DEFAULT_SVM_OPTIONS);
    for (const g of [0, 1]) {
      expect(Array.from(low[g]!.weights)).to.deep.equal(Array.from(whole[g]!.weights.subarray(0, 4)));
      expect(Array.from(high[g]!.weights)).to.deep.equal(Array.from(whole[g]!.weights.subarray(4)));
    }
  });

  it('scores negatives below zero for every class', () => {
    // Points opposite all three centres belong to no class. Without them as negatives one class scores them
    // above 0; as negatives of every class they score below 0 everywhere.
    const negatives: FeatureMatrix = { rows: 6, cols: 4, data: Float64Array.from({ length: 24 }, (_, i) => (i % 4 === 3 ? 0 : -4)) };
    const plain = trainOneVsRest(x, labels, 3, { ...DEFAULT_SVM_OPTIONS, C: 1 });
    const plainScores = new Float64Array(3);
    decisionValues(plain, negatives, 0, plainScores);
    expect(Math.max(...plainScores)).to.be.above(0);

    const train = withNegatives(x, Int32Array.from(labels), negatives);
    expect(train.x.rows).to.equal(x.rows + 6);
    expect(Array.from(train.labels.subarray(x.rows))).to.deep.equal([-1, -1, -1, -1, -1, -1]);
    const model = trainOneVsRest(train.x, train.labels, 3, { ...DEFAULT_SVM_OPTIONS, C: 1 });
    expect(Array.from(predict(model, x))).to.deep.equal(Array.from(labels));
    const scores = new Float64Array(3);
    decisionValues(model, negatives, 0, scores);
    for (const score of scores) expect(score).to.be.below(0);
  });

  it('rejects a descending C path', () => {
    expect(() => trainOneVsRestPath(x, labels, 3, 0, 3, [3, 1], DEFAULT_SVM_OPTIONS)).to.throw(/must ascend/);
  });
});
