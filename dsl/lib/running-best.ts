// A streaming argmax: scores arrive one per cycle with their index, and the
// tracker keeps the best score, its index and the second-best score (the
// largest score of any other index). A score replaces the best only when it
// is strictly greater, so ties go to the lowest index when indices arrive in
// increasing order.

import type { Type } from '../../compiler/ir.ts';
import { minValue } from '../types.ts';
import type { Module, SignalHandle } from '../module.ts';
import type { Value } from '../value.ts';

export interface RunningBest {
  readonly best: SignalHandle;
  readonly bestIndex: SignalHandle;
  /** The largest score among all indices but bestIndex; the type's minimum until a second score arrives. */
  readonly second: SignalHandle;
}

export interface RunningBestInputs {
  /** 1 in a cycle that brings a score. */
  readonly valid: Value;
  /** 1 with the first score of a new sequence: the tracker starts again from it. */
  readonly first: Value;
  readonly index: Value;
  readonly score: Value;
}

/** Adds the tracker's registers to `m`, named `<name>_best`, `<name>_index` and `<name>_second`. */
export function runningBest(m: Module, name: string, scoreType: Type, inputs: RunningBestInputs): RunningBest {
  const best = m.reg(`${name}_best`, scoreType, { init: minValue(scoreType) });
  const bestIndex = m.reg(`${name}_index`, inputs.index.type);
  const second = m.reg(`${name}_second`, scoreType, { init: minValue(scoreType) });
  const { valid, first, index, score } = inputs;

  m.when(valid, () => {
    m.when(first, () => {
      best.set(score);
      bestIndex.set(index);
      second.set(minValue(scoreType));
    }).elseWhen(score.gt(best), () => {
      second.set(best);
      best.set(score);
      bestIndex.set(index);
    }).elseWhen(score.gt(second), () => {
      second.set(score);
    });
  });
  return { best, bestIndex, second };
}
