// The cross-check: one stimulus through the TypeScript simulator and through
// Icarus Verilog running the emitted Verilog, every output compared on every
// cycle. The first difference is reported with the cycle, the signal, both
// values and the TypeScript line that drives the signal. The TypeScript side
// runs both back ends, the compiled simulator and the interpreter, which
// must agree exactly.

import type { ModuleIR, Type } from '../compiler/ir.ts';
import { formatLoc } from '../compiler/errors.ts';
import { toInteger } from '../compiler/ir.ts';
import { clockInputs, runIcarus, type IcarusOptions, type Samples } from './icarus.ts';
import { Simulator } from './simulator.ts';
import type { Stimulus } from './stimulus.ts';

export interface Mismatch {
  readonly cycle: number;
  readonly signal: string;
  readonly type: Type;
  readonly typescript: bigint;
  readonly icarus: bigint | null;
  readonly loc: string;
}

export interface CrossCheckResult {
  readonly cycles: number;
  readonly outputs: number;
  readonly mismatch?: Mismatch;
}

/** Runs the TypeScript simulator over `stimulus` and returns every output's bit pattern on every cycle. */
export function simulateSamples(top: ModuleIR, stimulus: Stimulus, simulator = new Simulator(top)): Samples {
  const clocks = clockInputs(top);
  const outputs = top.ports.filter((p) => p.kind === 'output');
  const samples: Samples = new Map(outputs.map((p) => [p.name, []]));
  for (const cycle of stimulus.cycles) {
    for (const [name, value] of Object.entries(cycle)) {
      if (!clocks.has(name)) {
        simulator.set(name, value);
      }
    }
    for (const output of outputs) {
      (samples.get(output.name) as (bigint | null)[]).push(simulator.getBits(output.name));
    }
    simulator.step();
  }
  return samples;
}

/** Cycles that the compiled simulator runs in one step() call after the stimulus, to check its run loops. */
export const RUN_LOOP_CYCLES = 16;

/**
 * Runs the interpreter over `stimulus` and compares it with the compiled
 * simulator's samples. Returns the first difference as a message, or
 * undefined when every output agrees on every cycle. With `compiledSimulator`
 * (the one that made `compiled`), both then run RUN_LOOP_CYCLES more cycles
 * with the last inputs, the compiled one in a single step() call that its
 * generated run loop takes, and every signal must agree after them.
 */
export function compareWithInterpreter(top: ModuleIR, stimulus: Stimulus, compiled: Samples, compiledSimulator?: Simulator): string | undefined {
  const interpreter = new Simulator(top, { backend: 'interpreter' });
  const interpreted = simulateSamples(top, stimulus, interpreter);
  const outputs = top.ports.filter((p) => p.kind === 'output');
  for (let cycle = 0; cycle < stimulus.cycles.length; cycle++) {
    for (const output of outputs) {
      const a = (compiled.get(output.name) as (bigint | null)[])[cycle] ?? null;
      const b = (interpreted.get(output.name) as (bigint | null)[])[cycle] ?? null;
      if (a !== b) {
        return `the compiled simulator and the interpreter disagree at cycle ${cycle} on output '${output.name}': `
          + `${describeValue(a, output.type)} compiled, ${describeValue(b, output.type)} interpreted `
          + '(a bug in the compiled back end; rerun with the interpreter to go on)';
      }
    }
  }
  if (compiledSimulator === undefined) {
    return undefined;
  }
  compiledSimulator.step(RUN_LOOP_CYCLES);
  for (let i = 0; i < RUN_LOOP_CYCLES; i++) {
    interpreter.step();
  }
  for (const name of interpreter.signalNames()) {
    const a = compiledSimulator.getBits(name);
    const b = interpreter.getBits(name);
    if (a !== b) {
      return `the compiled simulator and the interpreter disagree on '${name}' after ${RUN_LOOP_CYCLES} more cycles in one step() call: `
        + `0x${a.toString(16)} compiled, 0x${b.toString(16)} interpreted (a bug in the compiled back end's run loops)`;
    }
  }
  return undefined;
}

function describeValue(bits: bigint | null, type: Type): string {
  if (bits === null) {
    return 'x';
  }
  const hex = `0x${bits.toString(16)}`;
  return type.signed ? `${toInteger(bits, type)} (${hex})` : `${bits} (${hex})`;
}

export function formatMismatch(mismatch: Mismatch): string {
  return `cycle ${mismatch.cycle}: output '${mismatch.signal}' is ${describeValue(mismatch.typescript, mismatch.type)} in the TypeScript simulator `
    + `but ${describeValue(mismatch.icarus, mismatch.type)} in Icarus; it is driven at ${mismatch.loc}`;
}

/**
 * Compares the TypeScript simulator with Icarus on `stimulus` and stops at
 * the first difference. Throws when the compiled simulator and the
 * interpreter disagree, before Icarus runs.
 */
export function crossCheck(top: ModuleIR, stimulus: Stimulus, options: IcarusOptions = {}): CrossCheckResult {
  const simulator = new Simulator(top);
  const ours = simulateSamples(top, stimulus, simulator);
  const disagreement = compareWithInterpreter(top, stimulus, ours, simulator);
  if (disagreement !== undefined) {
    throw new Error(disagreement);
  }
  const theirs = runIcarus(top, stimulus, options).samples;
  const outputs = top.ports.filter((p) => p.kind === 'output');

  for (let cycle = 0; cycle < stimulus.cycles.length; cycle++) {
    for (const output of outputs) {
      const a = (ours.get(output.name) as (bigint | null)[])[cycle] as bigint;
      const b = (theirs.get(output.name) as (bigint | null)[])[cycle];
      if (a !== b) {
        return {
          cycles: stimulus.cycles.length,
          outputs: outputs.length,
          mismatch: {
            cycle,
            signal: output.name,
            type: output.type,
            typescript: a,
            icarus: b ?? null,
            loc: formatLoc(simulator.driverLoc(output.name)),
          },
        };
      }
    }
  }
  return { cycles: stimulus.cycles.length, outputs: outputs.length };
}
