/**
 * Open-set evaluation and calibration of the unknown threshold on integer scores.
 *
 * A face is accepted when its measure (the best score for rule `score`, best minus second-best for rule `margin`)
 * is at least the threshold T, and unknown below it. For strangers, every acceptance is a false accept. For known
 * faces, an acceptance counts as correct only when the predicted class is the true one.
 *
 * Calibration picks the smallest integer T at which at most `maxFalseAcceptRate` of the calibration strangers are
 * accepted. Acceptance of known faces only falls as T rises, so this T accepts the most known faces that the
 * false-accept limit allows.
 */

import type { RejectionRule } from './integer-model.ts';

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

/** Returns the smallest integer threshold that accepts at most `maxFalseAcceptRate` of `strangers`. */
export function calibrateThreshold(strangers: readonly ScoredSample[], rule: RejectionRule, maxFalseAcceptRate: number): number {
  if (strangers.length === 0) throw new Error('cannot calibrate the threshold without stranger samples');
  const measures = strangers.map((sample) => measureOf(sample, rule)).sort((a, b) => b - a);
  const allowed = Math.floor(maxFalseAcceptRate * strangers.length);
  // Accepting exactly the `allowed` highest measures needs T just above the next one.
  return allowed >= measures.length ? measures[measures.length - 1]! : measures[allowed]! + 1;
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
