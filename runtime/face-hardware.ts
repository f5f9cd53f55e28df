// Drives the face classifier design (designs/face-svm.ts) in the TypeScript
// simulator the way a host would: load the weights when they live in RAM,
// stream an embedding in, wait for the result, and take it.

import type { IntModel } from './integer-model.ts';
import { packLanes, weightWords } from '../designs/face-svm.ts';
import type { Simulator } from '../sim/simulator.ts';

export interface HardwareResult {
  readonly classIndex: number;
  readonly score: bigint;
  readonly unknown: boolean;
  /** Cycles from the first input beat to the cycle where result_valid was seen. */
  readonly cycles: number;
}

export interface DriveOptions {
  readonly lanes: number;
  /** Cycles to hold result_ready low once the result is valid (a stalled consumer). */
  readonly stallCycles?: number;
  /** Give up after this many cycles waiting for a result. */
  readonly timeoutCycles?: number;
}

/** Pulses reset and clears every control input. */
export function resetDesign(sim: Simulator): void {
  for (const name of ['x_valid', 'result_ready', 'threshold_write']) {
    sim.set(name, 0);
  }
  if (sim.signalNames().includes('weight_write')) {
    sim.set('weight_write', 0);
  }
  sim.set('reset', 1);
  sim.step();
  sim.set('reset', 0);
}

/** Writes every weight word through the weight port (storage "ram" only). */
export function loadWeights(sim: Simulator, model: IntModel, lanes: number): void {
  const words = weightWords(model, lanes);
  sim.set('weight_write', 1);
  words.forEach((word, addr) => {
    sim.set('weight_addr', addr);
    sim.setBits('weight_data', word);
    sim.step();
  });
  sim.set('weight_write', 0);
}

export function setThreshold(sim: Simulator, threshold: number | bigint): void {
  sim.set('threshold_write', 1);
  sim.set('threshold_data', threshold);
  sim.step();
  sim.set('threshold_write', 0);
}

/** Streams one int8 embedding in and returns the classifier's result. */
export function classifyOnHardware(sim: Simulator, x: Int8Array, options: DriveOptions): HardwareResult {
  const { lanes } = options;
  const timeout = options.timeoutCycles ?? 10_000_000;
  const start = sim.cycle;

  for (let startIndex = 0; startIndex < x.length; startIndex += lanes) {
    sim.set('x_valid', 1);
    sim.setBits('x_data', packLanes(x, startIndex, lanes));
    sim.stepUntil('x_ready', 1, Math.max(0, timeout - (sim.cycle - start)));
    sim.step();
  }
  sim.set('x_valid', 0);
  sim.stepUntil('result_valid', 1, Math.max(0, timeout - (sim.cycle - start)));
  const cycles = sim.cycle - start;
  for (let i = 0; i < (options.stallCycles ?? 0); i++) {
    sim.step();
  }
  const result: HardwareResult = {
    classIndex: Number(sim.get('result_class')),
    score: sim.get('result_score'),
    unknown: sim.get('result_unknown') === 1n,
    cycles,
  };
  sim.set('result_ready', 1);
  sim.step();
  sim.set('result_ready', 0);
  return result;
}
