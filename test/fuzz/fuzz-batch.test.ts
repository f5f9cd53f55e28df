// The differential fuzzer in the regular suite: a fixed-seed batch through
// both simulators, the generator's coverage of the DSL, the shrinker on an
// injected fault, and the known-difference classification.

import { expect } from 'chai';
import type { Expr, ModuleIR } from '../../compiler/ir.ts';
import { buildModule } from '../../sim/fuzz/build.ts';
import { writeCaseFile, type CaseFile } from '../../sim/fuzz/case-file.ts';
import { checkBatch, checkCase, recipeStimulus, type FuzzCase } from '../../sim/fuzz/check.ts';
import { generateRecipe, MAX_WIDTH } from '../../sim/fuzz/generate.ts';
import { explainMismatch, loadKnownDifferences, type Workaround } from '../../sim/fuzz/known.ts';
import { recipeOps, type Recipe } from '../../sim/fuzz/recipe.ts';
import { describeRecipeSize, describeOutcome, runFuzz } from '../../sim/fuzz/run.ts';
import { shrinkCase } from '../../sim/fuzz/shrink.ts';
import { requireTool, tempDir } from '../tools.ts';

// About a minute of the suite's time: 1200 seeds of 50 cycles took 61 s on
// a two-core machine busy with other work (load average about 9), and 600
// seeds of 40 cycles took 19 to 30 s. `hdlc fuzz` runs any number.
const BATCH_SEEDS = 1200;
const BATCH_CYCLES = 50;

/** Counts every expression kind, operator and sequential element of a design and its children. */
function countFeatures(top: ModuleIR, counts: Map<string, number>): void {
  const add = (key: string): void => {
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const seen = new Set<Expr>();
  const visit = (expr: Expr | undefined): void => {
    if (!expr || seen.has(expr)) {
      return;
    }
    seen.add(expr);
    add(expr.kind === 'unary' || expr.kind === 'binary' ? expr.op : expr.kind);
    switch (expr.kind) {
      case 'unary': case 'extend': case 'slice': case 'cast':
        visit(expr.arg);
        break;
      case 'binary':
        visit(expr.left);
        visit(expr.right);
        if ((expr.op === 'shl' || expr.op === 'shr') && expr.right.kind === 'const' && expr.right.bits >= BigInt(expr.left.type.width)) {
          add(`${expr.op} by a constant signal at or past the width`);
        }
        if (expr.left.type.signed && ['mul', 'lt', 'le', 'gt', 'ge', 'shr'].includes(expr.op)) {
          add(`signed ${expr.op}`);
        }
        break;
      case 'concat':
        expr.parts.forEach(visit);
        if (expr.parts.some((part) => part.type.signed)) {
          add('concat of a signed part');
        }
        break;
      case 'mux':
        visit(expr.sel);
        visit(expr.whenTrue);
        visit(expr.whenFalse);
        break;
      case 'memread':
        visit(expr.addr);
        break;
      case 'const':
        add(`const width ${expr.type.width <= 64 ? 'up to 64' : 'over 64'}`);
        break;
      case 'ref':
        break;
    }
    if (expr.kind === 'slice' && expr.arg.type.signed) {
      add('slice of a signed value');
    }
  };

  for (const signal of top.signals) {
    add(`width ${signal.type.width}`);
  }
  for (const assign of top.assigns) {
    visit(assign.value);
  }
  for (const register of top.registers) {
    visit(register.next);
    visit(register.enable);
    const reset = register.reset;
    add(reset ? `register with ${reset.async ? 'async' : 'sync'} active-${reset.activeLow ? 'low' : 'high'} reset` : 'register without reset');
    if (register.enable) {
      add('register with enable');
    }
    if (register.clock.name !== 'clk') {
      add('register on a second clock');
    }
  }
  for (const memory of top.memories) {
    add(memory.writePorts.length > 0 ? 'ram' : 'rom');
    for (const port of memory.readPorts) {
      add('synchronous read port');
      visit(port.addr);
      visit(port.enable);
    }
    for (const port of [...memory.readPorts, ...memory.writePorts]) {
      if (port.clock.name !== 'clk') {
        add('memory port on a second clock');
      }
    }
    for (const port of memory.writePorts) {
      add('write port');
      visit(port.addr);
      visit(port.data);
      visit(port.enable);
    }
  }
  for (const instance of top.instances) {
    add('instance');
    countFeatures(instance.module, counts);
  }
}

const DSL_OPERATORS = [
  'const', 'add', 'addWrap', 'sub', 'subWrap', 'mul', 'neg', 'and', 'or', 'xor', 'not', 'andR', 'orR', 'xorR',
  'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'shlConst', 'shrConst', 'shl', 'shr', 'slice', 'bit', 'cat', 'mux',
  'resize', 'trunc', 'asSigned', 'asUnsigned', 'when', 'read', 'readAsync', 'instance', 'immediate', 'inferredLit',
];

const IR_FEATURES = [
  'not', 'neg', 'reduce_and', 'reduce_or', 'reduce_xor',
  'add', 'sub', 'mul', 'and', 'or', 'xor', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'shl', 'shr',
  'const', 'ref', 'extend', 'slice', 'concat', 'cast', 'mux', 'memread',
  'signed mul', 'signed lt', 'signed ge', 'signed shr', 'concat of a signed part', 'slice of a signed value',
  'shl by a constant signal at or past the width', 'shr by a constant signal at or past the width',
  'const width up to 64', 'const width over 64',
  'register without reset', 'register with enable', 'register on a second clock', 'memory port on a second clock',
  'register with sync active-high reset', 'register with sync active-low reset',
  'register with async active-high reset', 'register with async active-low reset',
  'ram', 'rom', 'synchronous read port', 'write port', 'instance',
  'width 1', 'width 32', 'width 33', 'width 64', 'width 65', `width ${MAX_WIDTH}`,
];

/** Returns every constant of a recipe and its children as [value, width, signed]. */
function constants(recipe: Recipe): [bigint, number, boolean][] {
  const own = recipe.nodes.flatMap((node) => (node.op === 'const' ? [[BigInt(node.value), node.width, node.signed] as [bigint, number, boolean]] : []));
  return own.concat(recipe.children.flatMap(constants));
}

describe('fuzz generator', () => {
  const recipes = Array.from({ length: 400 }, (_, seed) => generateRecipe(seed + 1));

  it('covers every DSL operator', () => {
    const ops = new Set<string>();
    for (const recipe of recipes) {
      for (const op of recipeOps(recipe)) {
        ops.add(op);
      }
    }
    for (const op of DSL_OPERATORS) {
      expect(ops.has(op), `no recipe of 400 uses '${op}'`).to.equal(true);
    }
  });

  it('covers every IR operator and register kind', () => {
    const counts = new Map<string, number>();
    for (const recipe of recipes) {
      countFeatures(buildModule(recipe).elaborate(), counts);
    }
    for (const feature of IR_FEATURES) {
      expect(counts.get(feature) ?? 0, `no design of 400 has: ${feature}`).to.be.greaterThan(0);
    }
  });

  it('makes constants at the min and max of their type', () => {
    const all = recipes.flatMap(constants);
    const isMin = ([value, width, signed]: [bigint, number, boolean]): boolean => value === (signed ? -(1n << BigInt(width - 1)) : 0n);
    const isMax = ([value, width, signed]: [bigint, number, boolean]): boolean => value === (signed ? (1n << BigInt(width - 1)) - 1n : (1n << BigInt(width)) - 1n);
    expect(all.some((c) => c[2] && isMin(c)), 'no signed minimum').to.equal(true);
    expect(all.some((c) => c[2] && isMax(c)), 'no signed maximum').to.equal(true);
    expect(all.some((c) => !c[2] && isMax(c)), 'no unsigned maximum').to.equal(true);
    expect(all.some((c) => c[1] > 64 && c[2] && isMin(c)), 'no signed minimum wider than 64 bits').to.equal(true);
  });

  it('replays a seed as the same recipe', () => {
    expect(JSON.stringify(generateRecipe(77))).to.equal(JSON.stringify(generateRecipe(77)));
  });

  it('keeps operand widths within 1 to 130', () => {
    for (const recipe of recipes.slice(0, 100)) {
      for (const input of recipe.inputs) {
        expect(input.width, `${recipe.name} input ${input.id}`).to.be.within(1, MAX_WIDTH);
      }
    }
  });
});

describe('fuzz batch against Icarus', function () {
  this.timeout(600_000);

  it(`agrees on ${BATCH_SEEDS} fixed seeds`, function () {
    requireTool(this, 'iverilog');
    const report = runFuzz({
      firstSeed: 1,
      seeds: BATCH_SEEDS,
      cycles: BATCH_CYCLES,
      batchSize: 25,
      maxShrinks: 1,
      maxShrinkChecks: 200,
      known: loadKnownDifferences(),
    });
    const details = report.findings
      .filter((finding) => finding.explainedBy === undefined)
      .map((finding) => {
        const minimal = finding.minimal
          ? `\n  minimal case (${describeRecipeSize(finding.minimal)}): ${describeOutcome(finding.minimalOutcome ?? finding.outcome)}\n  ${JSON.stringify(finding.minimal.recipe)}`
          : '';
        return `seed ${finding.seed}: ${describeOutcome(finding.outcome)}${minimal}`;
      });
    expect(report.designs).to.equal(BATCH_SEEDS);
    expect(report.unexplained, `unexplained failures; replay one with 'npx hdlc fuzz --seed S':\n${details.join('\n')}`).to.equal(0);
  });
});

/** Finds a seed whose emitted Verilog has an addition, so that a + to - fault changes the design. */
function caseWithAddition(): FuzzCase {
  for (let seed = 1; seed < 200; seed++) {
    const recipe = generateRecipe(seed);
    const adds = recipe.nodes.some((node) => node.op === 'add' || node.op === 'addWrap');
    if (adds && recipe.registers.length > 0) {
      return { recipe, stimulus: recipeStimulus(recipe, 30, seed) };
    }
  }
  throw new Error('no seed below 200 has an addition and a register');
}

/** A fault in "Icarus": every addition in the emitted Verilog becomes a subtraction. */
const addToSub = (text: string): string => text.replace(/ \+ /g, ' - ');

describe('fuzz batch attribution', function () {
  this.timeout(300_000);

  const cases = [1, 2, 3, 4, 5].map((seed) => {
    const recipe = generateRecipe(seed);
    return { recipe, stimulus: recipeStimulus(recipe, 20, seed) };
  });

  it('blames a fault on its design', function () {
    requireTool(this, 'iverilog');
    // Every output of fz3 is inverted in "Icarus".
    const invert = (text: string, module: string): string => (module === 'fz3' ? text.replace(/assign (o\d+) = /g, 'assign $1 = ~') : text);
    const outcomes = checkBatch(cases, { rewriteVerilog: invert });
    expect(outcomes.map((outcome) => outcome.kind)).to.deep.equal(['agree', 'agree', 'mismatch', 'agree', 'agree']);
  });

  it('blames a Verilog error on its design', function () {
    requireTool(this, 'iverilog');
    const breakModule = (text: string, module: string): string => (module === 'fz2' ? text.replace('endmodule', 'wire ; endmodule') : text);
    const outcomes = checkBatch(cases, { rewriteVerilog: breakModule });
    expect(outcomes.map((outcome) => outcome.kind)).to.deep.equal(['agree', 'error', 'agree', 'agree', 'agree']);
    const broken = outcomes[1];
    expect(broken.kind === 'error' ? broken.stage : undefined, 'the failing stage').to.equal('icarus');
  });
});

describe('fuzz shrinker', function () {
  this.timeout(600_000);

  it('reduces an injected fault to a small design', function () {
    requireTool(this, 'iverilog');
    const original = caseWithAddition();
    const faulty = { rewriteVerilog: addToSub };
    const outcome = checkCase(original, faulty);
    expect(outcome.kind, 'the fault must show before shrinking').to.equal('mismatch');

    const shrunk = shrinkCase(original, outcome, (candidate) => checkCase(candidate, faulty), { maxChecks: 400 });
    const minimal = shrunk.fuzzCase.recipe;
    expect(shrunk.outcome.kind).to.equal('mismatch');
    expect(minimal.outputs, 'outputs left').to.have.length(1);
    expect(minimal.nodes.length, `nodes left: ${JSON.stringify(minimal.nodes)}`).to.be.at.most(2);
    expect(minimal.nodes.some((node) => node.op === 'add' || node.op === 'addWrap'), 'the addition is kept').to.equal(true);
    expect(minimal.registers, 'registers left').to.have.length(0);
    expect(minimal.memories, 'memories left').to.have.length(0);
    expect(shrunk.fuzzCase.stimulus.cycles.length, 'cycles left').to.equal(1);
    expect(checkCase(shrunk.fuzzCase).kind, 'the minimal case agrees without the fault').to.equal('agree');
  });
});

describe('fuzz known differences', function () {
  this.timeout(120_000);

  // A stand-in for an Icarus bug and its workaround: the fault turns ' + '
  // into ' - ', and the workaround writes a tab after each '+', so the
  // fault no longer matches.
  const workarounds: Record<string, Workaround> = {
    tabbedPlus: { description: 'writes a + b as a +<tab>b', rewrite: (text) => text.replace(/ \+ /g, ' +\t') },
    nothing: { description: 'changes nothing', rewrite: (text) => text },
  };

  function knownDir(workaround: string, fuzzCase: FuzzCase): string {
    const dir = tempDir('fuzz-known');
    const file: CaseFile = {
      name: 'injected',
      found: 'fuzz known differences test',
      explanation: 'an injected fault that turns additions into subtractions',
      workaround,
      wrapped: false,
      failure: { kind: 'mismatch' },
      recipe: fuzzCase.recipe,
      stimulus: [],
      verilog: [],
    };
    writeCaseFile(dir, file);
    return dir;
  }

  it('explains a mismatch its workaround removes', function () {
    requireTool(this, 'iverilog');
    const fuzzCase = caseWithAddition();
    const known = loadKnownDifferences(knownDir('tabbedPlus', fuzzCase), workarounds);
    const explained = explainMismatch(fuzzCase, { rewriteVerilog: addToSub }, known);
    expect(explained?.name).to.equal('injected');
  });

  it('leaves a mismatch unexplained otherwise', function () {
    requireTool(this, 'iverilog');
    const fuzzCase = caseWithAddition();
    const known = loadKnownDifferences(knownDir('nothing', fuzzCase), workarounds);
    expect(explainMismatch(fuzzCase, { rewriteVerilog: addToSub }, known)).to.equal(undefined);
  });

  it('rejects a file naming an undefined workaround', () => {
    const fuzzCase = caseWithAddition();
    const dir = knownDir('missing', fuzzCase);
    expect(() => loadKnownDifferences(dir, workarounds)).to.throw(/workaround 'missing'/);
  });
});
