/**
 * Open-set evaluation and calibration of the unknown threshold on integer scores.
 *
 * A face is accepted when its measure (the best score for rule `score`, best minus second-best for rule `margin`)
 * is at least the threshold T, and unknown below it. For strangers, every acceptance is a false accept. For known
 * faces, an acceptance counts as correct only when the predicted class is the true one.
 *
 * Calibration picks the smallest integer T at which at most the allowed number of calibration strangers are
 * accepted: the share `maxFalseAcceptRate`, or fewer when a confidence bound is asked for (see
 * allowedFalseAccepts). Acceptance of known faces only falls as T rises, so this T accepts the most known faces that
 * the false-accept limit allows.
 */

import jstat from 'jstat';

import type { RejectionRule } from './integer-model.ts';

const { jStat } = jstat;

export interface ScoredSample {
  best: number;
  second: number;
  predicted: number;
  /** True class index, or -1 for a stranger. */
  label: number;
}

export interface OpenSetRates {
  threshold: number;
  /** Share of strangers accepted. */
  falseAcceptRate: number;
  /** Share of known faces accepted with the right name. */
  acceptedCorrect: number;
  /** Share of known faces accepted with a wrong name. */
  acceptedWrong: number;
  /** Share of known faces rejected as unknown. */
  rejectedKnown: number;
}

export const measureOf = (sample: ScoredSample, rule: RejectionRule): number =>
  rule === 'score' ? sample.best : sample.best - sample.second;

/**
 * Returns how many of `n` calibration strangers the threshold may accept. With `confidence` 0 that is
 * `floor(maxFalseAcceptRate * n)`. Otherwise it is the largest count k whose one-sided Clopper-Pearson upper bound
 * at that confidence, the `confidence` quantile of Beta(k + 1, n - k), is at most `maxFalseAcceptRate`. A
 * threshold that passes k of n strangers then keeps the rate on unseen strangers under the limit with that
 * confidence. The bound
 * never falls below the rate seen, so the count is never above the plain one.
 */
export function allowedFalseAccepts(n: number, maxFalseAcceptRate: number, confidence: number): number {
  if (!(maxFalseAcceptRate >= 0 && maxFalseAcceptRate < 1)) {
    throw new Error(`the false-accept limit must be at least 0 and below 1, got ${maxFalseAcceptRate}`);
  }
  const plain = Math.floor(maxFalseAcceptRate * n);
  if (confidence === 0) return plain;
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence must be 0 or lie between 0 and 1, got ${confidence}`);
  let allowed = 0;
  while (allowed + 1 <= plain && falseAcceptBound(allowed + 1, n, confidence) <= maxFalseAcceptRate) allowed++;
  return allowed;
}

/**
 * Returns the fewest strangers with which a threshold that accepts none of them bounds the false-accept rate by
 * `maxFalseAcceptRate` at `confidence`: the smallest n with (1 - rate)^n <= 1 - confidence.
 */
export function strangersNeeded(maxFalseAcceptRate: number, confidence: number): number {
  return maxFalseAcceptRate <= 0 ? Infinity : Math.ceil(Math.log(1 - confidence) / Math.log(1 - maxFalseAcceptRate));
}

/**
 * Returns the one-sided Clopper-Pearson upper bound of a false-accept rate at `confidence` when `accepted` of `n`
 * strangers passed: the `confidence` quantile of Beta(accepted + 1, n - accepted), or 1 when all passed.
 */
export function falseAcceptBound(accepted: number, n: number, confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence must be 0 or lie between 0 and 1, got ${confidence}`);
  return accepted >= n ? 1 : jStat.beta.inv(confidence, accepted + 1, n - accepted);
}

/**
 * Returns the smallest integer threshold that accepts at most `allowedFalseAccepts(n, maxFalseAcceptRate,
 * confidence)` of the n `strangers`.
 */
export function calibrateThreshold(strangers: readonly ScoredSample[], rule: RejectionRule, maxFalseAcceptRate: number, confidence = 0): number {
  if (strangers.length === 0) throw new Error('cannot calibrate the threshold without stranger samples');
  const measures = strangers.map((sample) => measureOf(sample, rule)).sort((a, b) => b - a);
  const allowed = allowedFalseAccepts(strangers.length, maxFalseAcceptRate, confidence);
  // Accepting exactly the `allowed` highest measures needs T just above the next one.
  return allowed >= measures.length ? measures[measures.length - 1]! : measures[allowed]! + 1;
}

/**
 * Pools the known-face shares of several models' rates, each weighted by its number of known faces. The
 * threshold and false-accept fields are NaN, because the parts differ in both.
 */
export function poolKnownRates(parts: ReadonlyArray<{ rates: OpenSetRates; known: number }>): OpenSetRates {
  const total = parts.reduce((sum, part) => sum + part.known, 0);
  const pooled = (field: 'acceptedCorrect' | 'acceptedWrong' | 'rejectedKnown'): number =>
    total === 0 ? 0 : parts.reduce((sum, part) => sum + part.rates[field] * part.known, 0) / total;
  return {
    threshold: Number.NaN,
    falseAcceptRate: Number.NaN,
    acceptedCorrect: pooled('acceptedCorrect'),
    acceptedWrong: pooled('acceptedWrong'),
    rejectedKnown: pooled('rejectedKnown'),
  };
}

export function openSetRates(
  known: readonly ScoredSample[],
  strangers: readonly ScoredSample[],
  rule: RejectionRule,
  threshold: number,
): OpenSetRates {
  const falseAccepts = strangers.filter((sample) => measureOf(sample, rule) >= threshold).length;
  let correct = 0;
  let wrong = 0;
  for (const sample of known) {
    if (measureOf(sample, rule) < threshold) continue;
    if (sample.predicted === sample.label) correct++;
    else wrong++;
  }
  const knownCount = Math.max(1, known.length);
  return {
    threshold,
    falseAcceptRate: falseAccepts / Math.max(1, strangers.length),
    acceptedCorrect: correct / knownCount,
    acceptedWrong: wrong / knownCount,
    rejectedKnown: (known.length - correct - wrong) / knownCount,
  };
}

/** Rates at `points` thresholds evenly spaced between the lowest and highest measure of all samples. */
export function thresholdCurve(
  known: readonly ScoredSample[],
  strangers: readonly ScoredSample[],
  rule: RejectionRule,
  points: number,
): OpenSetRates[] {
  const measures = [...known, ...strangers].map((sample) => measureOf(sample, rule));
  const low = Math.min(...measures);
  const high = Math.max(...measures) + 1;
  const thresholds = new Set<number>();
  for (let i = 0; i < points; i++) thresholds.add(Math.round(low + ((high - low) * i) / (points - 1)));
  return [...thresholds].sort((a, b) => a - b).map((threshold) => openSetRates(known, strangers, rule, threshold));
}
