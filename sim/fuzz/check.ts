// Cross-checks fuzz designs: each recipe is built, simulated by the
// TypeScript simulator and by Icarus Verilog on the same stimulus, and every
// output is compared on every cycle, as sim/cross-check.ts does for one design.
// The TypeScript side runs the compiled simulator and the interpreter; a
// difference between them is a 'simulator' error outcome.
//
// Batching: Icarus costs a fixed start-up time per run, so a batch places
// several designs as instances `u<k>` of one generated top module ("fuzz_batch"),
// with each design's ports exposed as `d<k>_<port>`, and runs that top once in
// both simulators. The outcome is reported per design. A design can also be
// checked alone, as the top module itself, or alone inside the batch wrapper
// (`wrapped`), which reproduces a difference that only shows under a parent.

import { HdlError, HdlErrors, Module, type ModuleIR, type Value } from '../../dsl/index.ts';
import { formatLoc } from '../../compiler/errors.ts';
import { Bool, SInt, UInt } from '../../dsl/types.ts';
import type { Mismatch } from '../cross-check.ts';
import { compareWithInterpreter, simulateSamples } from '../cross-check.ts';
import { runIcarus, ToolMissingError, type IcarusOptions, type Samples } from '../icarus.ts';
import { Simulator } from '../simulator.ts';
import { randomStimulus, type CycleInputs, type InputPort, type Stimulus } from '../stimulus.ts';
import { buildModule, wrapToType } from './build.ts';
import type { Recipe } from './recipe.ts';

/** A design and the input values it is checked with. */
export interface FuzzCase {
  readonly recipe: Recipe;
  readonly stimulus: Stimulus;
}

export type Outcome =
  | { readonly kind: 'agree'; readonly cycles: number }
  | { readonly kind: 'mismatch'; readonly mismatch: Mismatch }
  /** An exception: `stage` names whether building, the TypeScript simulator or Icarus failed. */
  | { readonly kind: 'error'; readonly stage: 'build' | 'simulator' | 'icarus'; readonly message: string };

export interface CheckOptions {
  /** Check the design alone inside the batch wrapper instead of as the top module. */
  readonly wrapped?: boolean;
  readonly readBack?: 'vcd' | 'log';
  readonly rewriteVerilog?: IcarusOptions['rewriteVerilog'];
}

/** Returns the input ports of a recipe's top module that the stimulus drives: every input but the clocks. */
export function recipeInputs(recipe: Recipe): InputPort[] {
  return recipe.inputs.filter((input) => !input.clock).map((input) => {
    let type = input.signed ? SInt(input.width) : UInt(input.width);
    if (input.pulse !== undefined) {
      type = Bool;
    }
    return { name: input.id, type };
  });
}

/** Random stimulus for `recipe`: reset inputs pulse at their active level in the first cycle and now and then after. */
export function recipeStimulus(recipe: Recipe, cycles: number, seed: number): Stimulus {
  const pulses = new Map<string, bigint>();
  for (const input of recipe.inputs) {
    if (input.pulse !== undefined) {
      pulses.set(input.id, BigInt(input.pulse));
    }
  }
  return randomStimulus(recipeInputs(recipe), cycles, seed, pulses);
}

/**
 * Fits a stimulus to the recipe's current inputs, so it stays valid after
 * the shrinker narrows or deletes inputs: values are wrapped to each input's
 * type and values of deleted inputs are dropped.
 */
export function fitStimulus(recipe: Recipe, stimulus: Stimulus): Stimulus {
  const ports = recipeInputs(recipe);
  return {
    cycles: stimulus.cycles.map((cycle) => {
      const fitted: Record<string, bigint> = {};
      for (const port of ports) {
        const value = cycle[port.name];
        if (value !== undefined) {
          fitted[port.name] = wrapToType(value, port.type);
        }
      }
      return fitted;
    }),
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isDesignError(error: unknown): boolean {
  return error instanceof HdlError || error instanceof HdlErrors;
}

interface BuiltDesign {
  readonly index: number;
  readonly module: Module;
  readonly ir: ModuleIR;
  readonly stimulus: Stimulus;
}

/** Builds and elaborates a recipe; a DSL or elaboration error becomes an outcome. */
function buildDesign(recipe: Recipe): { module: Module; ir: ModuleIR } | Outcome {
  try {
    const module = buildModule(recipe);
    return { module, ir: module.elaborate() };
  } catch (error) {
    if (isDesignError(error) || error instanceof Error) {
      return { kind: 'error', stage: 'build', message: errorMessage(error) };
    }
    throw error;
  }
}

/** Returns the first difference of one design's outputs, or undefined where all agree. */
function firstDifference(
  outputs: readonly { name: string; type: ModuleIR['ports'][number]['type'] }[],
  prefix: string,
  ours: Samples,
  theirs: Samples,
  cycles: number,
  simulator: Simulator,
): Mismatch | undefined {
  for (let cycle = 0; cycle < cycles; cycle++) {
    for (const output of outputs) {
      const name = `${prefix}${output.name}`;
      const a = (ours.get(name) as (bigint | null)[])[cycle] as bigint;
      const b = (theirs.get(name) as (bigint | null)[])[cycle] ?? null;
      if (a !== b) {
        return {
          cycle,
          signal: output.name,
          type: output.type,
          typescript: a,
          icarus: b,
          loc: formatLoc(simulator.driverLoc(name)),
        };
      }
    }
  }
  return undefined;
}

/** Places every design as an instance `u<k>` of one top module and merges their stimuli. */
function wrapDesigns(designs: readonly BuiltDesign[]): { top: ModuleIR; stimulus: Stimulus } {
  const wrapper = new Module('fuzz_batch');
  for (const design of designs) {
    const instance = wrapper.instance(`u${design.index}`, design.module);
    for (const port of design.ir.ports) {
      const name = `d${design.index}_${port.name}`;
      if (port.kind === 'input') {
        const source: Value = port.name === 'clk' ? wrapper.clock() : wrapper.input(name, port.type);
        instance.input(port.name).set(source);
      } else {
        wrapper.output(name, port.type).set(instance.output(port.name));
      }
    }
  }
  const cycles = designs.length > 0 ? designs[0].stimulus.cycles.length : 0;
  const merged: CycleInputs[] = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    const values: Record<string, bigint> = {};
    for (const design of designs) {
      for (const [name, value] of Object.entries(design.stimulus.cycles[cycle] ?? {})) {
        values[`d${design.index}_${name}`] = value;
      }
    }
    merged.push(values);
  }
  return { top: wrapper.elaborate(), stimulus: { cycles: merged } };
}

/** Runs the TypeScript back ends and Icarus on `top`; an exception becomes an error outcome for every design. */
function runBoth(top: ModuleIR, stimulus: Stimulus, options: CheckOptions): { ours: Samples; theirs: Samples; simulator: Simulator } | Outcome {
  let simulator: Simulator;
  let ours: Samples;
  try {
    simulator = new Simulator(top);
    ours = simulateSamples(top, stimulus, simulator);
    const disagreement = compareWithInterpreter(top, stimulus, ours, simulator);
    if (disagreement !== undefined) {
      return { kind: 'error', stage: 'simulator', message: disagreement };
    }
  } catch (error) {
    return { kind: 'error', stage: 'simulator', message: errorMessage(error) };
  }
  try {
    const theirs = runIcarus(top, stimulus, { readBack: options.readBack ?? 'log', rewriteVerilog: options.rewriteVerilog }).samples;
    return { ours, theirs, simulator };
  } catch (error) {
    if (error instanceof ToolMissingError) {
      throw error;
    }
    return { kind: 'error', stage: 'icarus', message: errorMessage(error) };
  }
}

function isOutcome(value: object): value is Outcome {
  return 'kind' in value;
}

/** Checks one design, as the top module or (with `wrapped`) inside the batch wrapper. */
export function checkCase(fuzzCase: FuzzCase, options: CheckOptions = {}): Outcome {
  if (options.wrapped) {
    return checkBatch([fuzzCase], options)[0];
  }
  const built = buildDesign(fuzzCase.recipe);
  if (isOutcome(built)) {
    return built;
  }
  const stimulus = fitStimulus(fuzzCase.recipe, fuzzCase.stimulus);
  const result = runBoth(built.ir, stimulus, options);
  if (isOutcome(result)) {
    return result;
  }
  const outputs = built.ir.ports.filter((p) => p.kind === 'output');
  const mismatch = firstDifference(outputs, '', result.ours, result.theirs, stimulus.cycles.length, result.simulator);
  return mismatch ? { kind: 'mismatch', mismatch } : { kind: 'agree', cycles: stimulus.cycles.length };
}

/**
 * Checks several designs in one run of each simulator; every case must have
 * the same number of cycles. When the batch as a whole fails with an
 * exception, every design is checked on its own so the error is attributed.
 */
export function checkBatch(cases: readonly FuzzCase[], options: CheckOptions = {}): Outcome[] {
  const outcomes: (Outcome | undefined)[] = cases.map(() => undefined);
  const designs: BuiltDesign[] = [];
  cases.forEach((fuzzCase, index) => {
    const built = buildDesign(fuzzCase.recipe);
    if (isOutcome(built)) {
      outcomes[index] = built;
    } else {
      designs.push({ index, module: built.module, ir: built.ir, stimulus: fitStimulus(fuzzCase.recipe, fuzzCase.stimulus) });
    }
  });
  if (designs.length === 0) {
    return outcomes as Outcome[];
  }

  let wrapped: { top: ModuleIR; stimulus: Stimulus };
  try {
    wrapped = wrapDesigns(designs);
  } catch (error) {
    if (cases.length === 1) {
      return [{ kind: 'error', stage: 'build', message: errorMessage(error) }];
    }
    return cases.map((fuzzCase, index) => outcomes[index] ?? checkBatch([fuzzCase], options)[0]);
  }
  const result = runBoth(wrapped.top, wrapped.stimulus, options);
  if (isOutcome(result)) {
    if (designs.length === 1) {
      outcomes[designs[0].index] = result;
      return outcomes as Outcome[];
    }
    return cases.map((fuzzCase, index) => outcomes[index] ?? checkBatch([fuzzCase], options)[0]);
  }

  for (const design of designs) {
    const outputs = design.ir.ports.filter((p) => p.kind === 'output');
    const cycles = design.stimulus.cycles.length;
    const mismatch = firstDifference(outputs, `d${design.index}_`, result.ours, result.theirs, cycles, result.simulator);
    outcomes[design.index] = mismatch ? { kind: 'mismatch', mismatch } : { kind: 'agree', cycles };
  }
  return outcomes as Outcome[];
}
