// A streaming argmax: scores arrive with their index, and the tracker keeps
// the best score, its index and the second-best score (the largest score of
// any other index). A score replaces the best only when it is strictly
// greater, so ties go to the lowest index when indices arrive in increasing
// order.
//
// With `registerCompare`, the comparisons of an arriving score with the best
// and second-best are registered, and the update one cycle later reads only
// those two flags. That takes a carry chain out of the update's path (for a
// higher clock rate) at one cycle of latency, and needs valid scores at least
// 2 cycles apart, so that each compare reads the previous update's result.

import type { Type } from '../../compiler/ir.ts';
import { Bool } from '../types.ts';
import { minValue } from '../types.ts';
import type { Module, SignalHandle } from '../module.ts';
import type { Value } from '../value.ts';

export interface RunningBest {
  readonly best: SignalHandle;
  readonly bestIndex: SignalHandle;
  /** The largest score among all indices but bestIndex; the type's minimum until a second score arrives. */
  readonly second: SignalHandle;
  /** 1 in the cycle whose clock edge applies a score. With `updateIndex` it shows when the last score is in. */
  readonly updateValid: Value;
  readonly updateIndex: Value;
}

export interface RunningBestInputs {
  /** 1 in a cycle that brings a score. */
  readonly valid: Value;
  /** 1 with the first score of a new sequence: the tracker starts again from it. */
  readonly first: Value;
  readonly index: Value;
  readonly score: Value;
}

export interface RunningBestOptions {
  readonly registerCompare?: boolean;
}

/** Adds the tracker's registers to `m`, named `<name>_best`, `<name>_index`, `<name>_second` and, with registerCompare, `<name>_in_*`. */
export function runningBest(m: Module, name: string, scoreType: Type, inputs: RunningBestInputs, options: RunningBestOptions = {}): RunningBest {
  const best = m.reg(`${name}_best`, scoreType, { init: minValue(scoreType) });
  const bestIndex = m.reg(`${name}_index`, inputs.index.type);
  const second = m.reg(`${name}_second`, scoreType, { init: minValue(scoreType) });

  let update: RunningBestInputs;
  let aboveBest: Value;
  let aboveSecond: Value;
  if (options.registerCompare) {
    const valid = m.reg(`${name}_in_valid`, Bool);
    const first = m.reg(`${name}_in_first`, Bool);
    const index = m.reg(`${name}_in_index`, inputs.index.type);
    const score = m.reg(`${name}_in_score`, scoreType);
    const bestFlag = m.reg(`${name}_above_best`, Bool);
    const secondFlag = m.reg(`${name}_above_second`, Bool);
    valid.set(inputs.valid);
    first.set(inputs.first);
    index.set(inputs.index);
    score.set(inputs.score);
    bestFlag.set(inputs.score.gt(best));
    secondFlag.set(inputs.score.gt(second));
    update = { valid, first, index, score };
    aboveBest = bestFlag;
    aboveSecond = secondFlag;
  } else {
    update = inputs;
    aboveBest = inputs.score.gt(best);
    aboveSecond = inputs.score.gt(second);
  }

  m.when(update.valid, () => {
    m.when(update.first, () => {
      best.set(update.score);
      bestIndex.set(update.index);
      second.set(minValue(scoreType));
    }).elseWhen(aboveBest, () => {
      second.set(best);
      best.set(update.score);
      bestIndex.set(update.index);
    }).elseWhen(aboveSecond, () => {
      second.set(update.score);
    });
  });
  return { best, bestIndex, second, updateValid: update.valid, updateIndex: update.index };
}
