// Golden-text tests of the Verilog emitter. Set UPDATE_GOLDEN=1 to rewrite
// the golden files after an intended change, then review the diff.

import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { buildOutputs, loadDesign, writeOutputs } from '../compiler/build.ts';
import { requireTool, run, tempDir } from './tools.ts';

const cases = [
  { fixture: 'test/fixtures/all-operators.ts', top: 'all_operators' },
  { fixture: 'test/fixtures/keyword-names.ts', top: 'config_' },
  { fixture: 'test/fixtures/memories.ts', top: 'memories' },
  { fixture: 'designs/examples/counter.ts', top: 'counter' },
  { fixture: 'designs/examples/hierarchy.ts', top: 'best_of_four' },
];

describe('Verilog emitter golden text', () => {
  for (const { fixture, top } of cases) {
    it(`matches golden for ${path.basename(fixture)}`, async () => {
      const outputs = buildOutputs(await loadDesign(fixture, undefined, []), undefined);
      const verilog = outputs.filter((o) => o.name.endsWith('.v'));
      const text = verilog.map((o) => `//// ${o.name}\n${o.text}`).join('');
      const golden = path.join('test/golden', `${path.basename(fixture, '.ts')}.v`);
      if (process.env.UPDATE_GOLDEN) {
        fs.writeFileSync(golden, text);
      }
      expect(text).to.equal(fs.readFileSync(golden, 'utf8'));
      expect(verilog.map((o) => o.name)).to.include(`${top}.v`);
    });
  }

  it('emits byte-identical output twice', async () => {
    const first = buildOutputs(await loadDesign('test/fixtures/all-operators.ts', undefined, []), undefined);
    const second = buildOutputs(await loadDesign('test/fixtures/all-operators.ts', undefined, []), undefined);
    expect(second).to.deep.equal(first);
  });

  it('renames keywords so both Verilog modes compile', async function () {
    requireTool(this, 'iverilog');
    requireTool(this, 'verilator');
    const dir = tempDir('keywords');
    writeOutputs(dir, buildOutputs(await loadDesign('test/fixtures/keyword-names.ts', undefined, []), undefined));
    for (const mode of ['-g2005', '-g2012']) {
      const result = run('iverilog', [mode, '-o', 'k.vvp', 'config_.v'], dir);
      expect(result.stderr, mode).to.equal('');
      expect(result.status, mode).to.equal(0);
    }
    const lint = run('verilator', ['--lint-only', '-Wall', 'config_.v'], dir);
    expect(lint.stderr).to.equal('');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const { fixture, top } of cases.slice(0, 3)) {
    it(`${path.basename(fixture)} passes every tool`, async function () {
      requireTool(this, 'iverilog');
      requireTool(this, 'verilator');
      requireTool(this, 'yosys');
      const dir = tempDir('fixture');
      writeOutputs(dir, buildOutputs(await loadDesign(fixture, undefined, []), undefined));
      const file = `${top}.v`;
      expect(run('iverilog', ['-g2012', '-Wall', '-o', 'o.vvp', file], dir).stderr).to.equal('');
      expect(run('verilator', ['--lint-only', '-Wall', file], dir).stderr).to.equal('');
      expect(run('yosys', ['-q', '-p', `read_verilog ${file}; synth_ice40 -top ${top}`], dir).status).to.equal(0);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }
});
