// Every example through the real tools: Icarus Verilog in both language
// modes, Verilator's linter with every warning on, and Yosys synthesis for
// iCE40 with no latch inferred.

import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { buildOutputs, loadDesign, writeOutputs } from '../compiler/build.ts';
import { requireTool, run, tempDir } from './tools.ts';

const examples = fs.readdirSync('designs/examples').filter((f) => f.endsWith('.ts')).sort();

describe('examples through real tools', () => {
  it('there are at least four examples', () => {
    expect(examples.length).to.be.at.least(4);
  });

  for (const file of examples) {
    describe(file, () => {
      let dir = '';
      let top = '';
      let verilogFiles: string[] = [];

      before(async () => {
        dir = tempDir('example');
        const design = await loadDesign(path.join('designs/examples', file), undefined, []);
        const outputs = buildOutputs(design, undefined);
        writeOutputs(dir, outputs);
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, outputs[outputs.length - 1].name), 'utf8')) as { top: string };
        top = manifest.top;
        verilogFiles = outputs.filter((o) => o.name.endsWith('.v')).map((o) => o.name);
      });

      after(() => fs.rmSync(dir, { recursive: true, force: true }));

      for (const mode of ['-g2005', '-g2012']) {
        it(`compiles with iverilog ${mode}`, function () {
          requireTool(this, 'iverilog');
          const result = run('iverilog', [mode, '-Wall', '-o', 'sim.vvp', '-s', top, ...verilogFiles], dir);
          expect(result.stderr).to.equal('');
          expect(result.status).to.equal(0);
        });
      }

      it('lints clean with verilator -Wall', function () {
        requireTool(this, 'verilator');
        const result = run('verilator', ['--lint-only', '-Wall', '--top-module', top, ...verilogFiles], dir);
        expect(result.stderr).to.equal('');
        expect(result.status).to.equal(0);
      });

      it('synthesizes with yosys synth_ice40, no latch', function () {
        requireTool(this, 'yosys');
        const script = `read_verilog ${verilogFiles.join(' ')}; synth_ice40 -top ${top}; tee -q -o stat.txt stat`;
        const result = run('yosys', ['-p', script], dir);
        expect(result.status, result.stderr).to.equal(0);
        expect(result.stdout).to.not.match(/Latch inferred/i);
        const stat = fs.readFileSync(path.join(dir, 'stat.txt'), 'utf8');
        expect(stat).to.match(/Number of cells:\s+[1-9]\d*/);
        expect(stat).to.not.match(/DLATCH/i);
      });
    });
  }
});
