// Every example and test fixture, simulated with random stimulus in the
// TypeScript simulator and in Icarus, compared on every output and cycle.
// A fault injected into the emitted Verilog must be caught.

import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { loadDesign } from '../compiler/build.ts';
import type { ModuleIR } from '../compiler/ir.ts';
import { crossCheck, formatMismatch } from '../sim/cross-check.ts';
import { clockInputs, resetInputs } from '../sim/icarus.ts';
import { randomStimulus, type Stimulus } from '../sim/stimulus.ts';
import { requireTool } from './tools.ts';

const designs = [
  ...fs.readdirSync('designs/examples').filter((f) => f.endsWith('.ts')).map((f) => path.join('designs/examples', f)),
  'test/fixtures/all-operators.ts',
  'test/fixtures/keyword-names.ts',
  'test/fixtures/memories.ts',
].sort();

function stimulusFor(top: ModuleIR, cycles: number, seed: number): Stimulus {
  const clocks = clockInputs(top);
  const inputs = top.ports.filter((p) => p.kind === 'input' && !clocks.has(p.name));
  return randomStimulus(inputs, cycles, seed, resetInputs(top));
}

describe('cross-check of examples and fixtures', () => {
  for (const file of designs) {
    for (const readBack of ['vcd', 'log'] as const) {
      it(`${path.basename(file)} agrees (${readBack})`, async function () {
        requireTool(this, 'iverilog');
        const { top } = await loadDesign(file, undefined, []);
        const result = crossCheck(top, stimulusFor(top, 400, 5), { readBack });
        expect(result.mismatch ? formatMismatch(result.mismatch) : 'agree').to.equal('agree');
        expect(result.cycles).to.equal(400);
      });
    }
  }

  it('catches an injected sign fault', async function () {
    requireTool(this, 'iverilog');
    const { top } = await loadDesign('designs/examples/mac.ts', undefined, []);
    const result = crossCheck(top, stimulusFor(top, 200, 1), {
      rewriteVerilog: (text) => text.replace('$signed(a) * $signed(b)', '$unsigned(a) * $unsigned(b)'),
    });
    expect(result.mismatch).to.not.equal(undefined);
    expect(result.mismatch?.signal).to.equal('acc');
    expect(formatMismatch(result.mismatch!)).to.match(/^cycle \d+: output 'acc' is -?\d+ \(0x[0-9a-f]+\) in the TypeScript simulator but -?\d+ \(0x[0-9a-f]+\) in Icarus; it is driven at designs\/examples\/mac.ts:\d+$/);
  });
});
