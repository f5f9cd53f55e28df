// Threshold calibration and open-set rates, and the conversion of a float SVM to integer weights.

import { expect } from 'chai';

import {
  allowedFalseAccepts, calibrateThreshold, falseAcceptBound, openSetRates, poolKnownRates, strangersNeeded, thresholdCurve, type ScoredSample,
} from '../../runtime/open-set.ts';
import { quantizeSvm } from '../../runtime/quantize-model.ts';

const stranger = (best: number, second = best - 10): ScoredSample => ({ best, second, predicted: 0, label: -1 });
const known = (best: number, second: number, predicted: number, label: number): ScoredSample => ({ best, second, predicted, label });

describe('calibrateThreshold', () => {
  const strangers = [5, 40, 12, 30, 7, 22, 18, 3, 9, 25].map((best) => stranger(best));

  it('accepts none at a zero rate', () => {
    expect(calibrateThreshold(strangers, 'score', 0)).to.equal(41);
  });

  it('accepts the allowed share', () => {
    // 20 % of 10 strangers: the two highest (40, 30) may pass, so T is one above the third highest (25).
    const threshold = calibrateThreshold(strangers, 'score', 0.2);
    expect(threshold).to.equal(26);
    expect(openSetRates([], strangers, 'score', threshold).falseAcceptRate).to.equal(0.2);
  });

  it('rounds the allowed count down', () => {
    expect(calibrateThreshold(strangers, 'score', 0.29)).to.equal(26);
  });

  it('uses the margin under the margin rule', () => {
    const margins = [stranger(50, 45), stranger(50, 10), stranger(20, 19)];
    expect(calibrateThreshold(margins, 'margin', 0)).to.equal(41);
  });

  it('rejects an empty stranger list', () => {
    expect(() => calibrateThreshold([], 'score', 0.01)).to.throw(/without stranger samples/);
  });
});

/** P(X <= k) for X ~ Binomial(n, p), summed term by term in log space. */
function binomialCdf(k: number, n: number, p: number): number {
  let logTerm = n * Math.log1p(-p);
  let sum = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i) + Math.log(p) - Math.log1p(-p);
    sum += Math.exp(logTerm);
  }
  return sum;
}

/** One-sided Clopper-Pearson upper bound for k of n, by bisection on the binomial CDF: P(X <= k) = 1 - confidence. */
function upperBound(k: number, n: number, confidence: number): number {
  let low = k / n;
  let high = 1;
  for (let step = 0; step < 100; step++) {
    const middle = (low + high) / 2;
    if (binomialCdf(k, n, middle) > 1 - confidence) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

describe('allowedFalseAccepts', () => {
  it('is the plain share at confidence 0', () => {
    expect(allowedFalseAccepts(1806, 0.01, 0)).to.equal(18);
    expect(allowedFalseAccepts(10, 0.29, 0)).to.equal(2);
  });

  it('keeps the Clopper-Pearson bound under the rate', () => {
    for (const [n, rate] of [[1806, 0.01], [500, 0.05], [3619, 0.01], [40, 0.2]] as const) {
      const allowed = allowedFalseAccepts(n, rate, 0.95);
      expect(upperBound(allowed, n, 0.95), `n ${n}`).to.be.at.most(rate);
      expect(upperBound(allowed + 1, n, 0.95), `n ${n}`).to.be.above(rate);
    }
    // 1806 calibration strangers at 1 %: 10 may pass where the plain share lets 18.
    expect(allowedFalseAccepts(1806, 0.01, 0.95)).to.equal(10);
  });

  it('allows none when even zero accepts cannot bound the rate', () => {
    // With 0 of 100 the bound is 1 - 0.05^(1/100), about 2.95 %.
    expect(allowedFalseAccepts(100, 0.01, 0.95)).to.equal(0);
    expect(allowedFalseAccepts(1806, 0, 0.95)).to.equal(0);
  });

  it('rejects a limit outside 0 to 1', () => {
    expect(() => allowedFalseAccepts(100, -0.01, 0)).to.throw(/false-accept limit must be at least 0 and below 1, got -0.01/);
    expect(() => allowedFalseAccepts(100, 1, 0.95)).to.throw(/got 1/);
  });

  it('rejects a confidence outside 0 to 1', () => {
    expect(() => allowedFalseAccepts(100, 0.01, 1)).to.throw(/confidence must be 0 or lie between 0 and 1, got 1/);
    expect(() => allowedFalseAccepts(100, 0.01, -0.5)).to.throw(/confidence/);
  });

  it('sets the calibrated threshold', () => {
    // 40 strangers with measures 1..40 at 20 %: the plain share lets 8 pass (T = 33), the 95 % bound only 3 (T = 38).
    const strangers = Array.from({ length: 40 }, (_, i) => stranger(i + 1));
    expect(calibrateThreshold(strangers, 'score', 0.2)).to.equal(33);
    expect(allowedFalseAccepts(40, 0.2, 0.95)).to.equal(3);
    expect(calibrateThreshold(strangers, 'score', 0.2, 0.95)).to.equal(38);
  });
});

describe('falseAcceptBound', () => {
  it('has the closed form with none accepted', () => {
    // P(X = 0) = (1 - p)^n = 1 - confidence gives p = 1 - (1 - confidence)^(1/n).
    expect(falseAcceptBound(0, 1806, 0.95)).to.be.closeTo(1 - 0.05 ** (1 / 1806), 1e-12);
  });

  it('is 1 when every stranger passed', () => {
    expect(falseAcceptBound(5, 5, 0.95)).to.equal(1);
  });

  it('gives the strangers needed for a bound with none accepted', () => {
    const needed = strangersNeeded(0.01, 0.95);
    expect(needed).to.equal(299);
    expect(falseAcceptBound(0, needed, 0.95)).to.be.at.most(0.01);
    expect(falseAcceptBound(0, needed - 1, 0.95)).to.be.above(0.01);
  });
});

describe('poolKnownRates', () => {
  it('weights each part by its known faces', () => {
    const part = (acceptedCorrect: number, acceptedWrong: number) => ({
      threshold: 0, falseAcceptRate: 0, acceptedCorrect, acceptedWrong, rejectedKnown: 1 - acceptedCorrect - acceptedWrong,
    });
    const pooled = poolKnownRates([{ rates: part(1, 0), known: 3 }, { rates: part(0.5, 0.25), known: 1 }]);
    expect(pooled.acceptedCorrect).to.equal(3.5 / 4);
    expect(pooled.acceptedWrong).to.equal(0.25 / 4);
    expect(pooled.rejectedKnown).to.equal(0.25 / 4);
    expect(pooled.threshold).to.be.NaN;
  });
});

describe('openSetRates', () => {
  const faces = [known(100, 10, 1, 1), known(100, 95, 2, 1), known(30, 0, 0, 0), known(60, 50, 3, 3)];

  it('counts correct, wrong and rejected faces', () => {
    const rates = openSetRates(faces, [stranger(70), stranger(10)], 'score', 50);
    expect(rates.acceptedCorrect).to.equal(0.5);
    expect(rates.acceptedWrong).to.equal(0.25);
    expect(rates.rejectedKnown).to.equal(0.25);
    expect(rates.falseAcceptRate).to.equal(0.5);
  });

  it('accepts a measure equal to the threshold', () => {
    expect(openSetRates([known(50, 0, 0, 0)], [], 'score', 50).acceptedCorrect).to.equal(1);
    expect(openSetRates([known(50, 0, 0, 0)], [], 'score', 51).acceptedCorrect).to.equal(0);
  });

  it('margin rule rejects close calls', () => {
    const rates = openSetRates(faces, [], 'margin', 20);
    expect(rates.acceptedCorrect).to.equal(0.5);
    expect(rates.acceptedWrong).to.equal(0);
  });

  it('curve spans all measures and falls', () => {
    const curve = thresholdCurve(faces, [stranger(70)], 'score', 11);
    expect(curve[0]!.threshold).to.equal(30);
    expect(curve[curve.length - 1]!.threshold).to.equal(101);
    expect(curve[curve.length - 1]!.acceptedCorrect).to.equal(0);
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]!.acceptedCorrect).to.be.at.most(curve[i - 1]!.acceptedCorrect);
    }
  });
});

describe('quantizeSvm', () => {
  const model = {
    classCount: 2,
    dims: 3,
    weights: Float64Array.of(0.5, -0.25, 0.125, -1, 0.0039, 0.75),
    biases: Float64Array.of(0.01, -0.02),
  };

  it('scales the largest weight to 127', () => {
    // 0.5 * 127 = 63.5 is a tie and goes to 64; 0.75 * 127 = 95.25 goes to 95.
    const quantized = quantizeSvm(model, 127);
    expect(quantized.weightScale).to.equal(127);
    expect(Array.from(quantized.weights[0]!)).to.deep.equal([64, -32, 16]);
    expect(Array.from(quantized.weights[1]!)).to.deep.equal([-127, 0, 95]);
  });

  it('rounds ties to even', () => {
    // (2.5 / 127) * 127 and (3.5 / 127) * 127 are exactly 2.5 and 3.5 in float64, so they round to 2 and 4.
    const quantized = quantizeSvm({ ...model, weights: Float64Array.of(1, 2.5 / 127, 3.5 / 127, -1, 0, 0) }, 1);
    expect(Array.from(quantized.weights[0]!)).to.deep.equal([127, 2, 4]);
  });

  it('scales biases by the weight and feature scales', () => {
    const quantized = quantizeSvm(model, 127);
    // 0.01 * 127 * 127 = 161.29 and -0.02 * 127 * 127 = -322.58.
    expect(Array.from(quantized.biases)).to.deep.equal([161, -323]);
  });

  it('rejects a bias outside int32', () => {
    expect(() => quantizeSvm({ ...model, biases: Float64Array.of(1e9, 0) }, 127)).to.throw(/outside int32/);
  });
});
