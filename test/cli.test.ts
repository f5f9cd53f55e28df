// The hdlc command line, run as a user runs it: a child process.

import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { run, tempDir } from './tools.ts';

function hdlc(args: string[]) {
  return run(process.execPath, ['bin/hdlc.js', ...args]);
}

describe('hdlc command line', () => {
  it('build writes Verilog and manifest', () => {
    const dir = tempDir('cli');
    const result = hdlc(['build', 'designs/examples/rom-lookup.ts', '-o', dir]);
    expect(result.stderr).to.equal('');
    expect(result.status).to.equal(0);
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['sine_rom.manifest.json', 'sine_rom.v', 'sine_rom_table_.hex']);

    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'sine_rom.manifest.json'), 'utf8'));
    expect(manifest.top).to.equal('sine_rom');
    expect(manifest.params).to.deep.equal({ depth: 256, width: 8 });
    expect(manifest.inputHash).to.match(/^sha256:[0-9a-f]{64}$/);
    const ports = manifest.modules[0].ports;
    expect(ports).to.deep.include({ name: 'sample', verilogName: 'sample', direction: 'output', width: 8, signed: true });
    expect(ports).to.deep.include({ name: 'phase', verilogName: 'phase', direction: 'input', width: 8, signed: false });
    expect(manifest.modules[0].names.table).to.equal('table_');

    const hex = fs.readFileSync(path.join(dir, 'sine_rom_table_.hex'), 'utf8').trim().split('\n');
    expect(hex).to.have.length(256);
    expect(hex[64]).to.equal('7f');
    expect(hex[192]).to.equal('81');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('build output is byte-identical across runs', () => {
    const first = tempDir('cli-a');
    const second = tempDir('cli-b');
    expect(hdlc(['build', 'designs/examples/hierarchy.ts', '-o', first]).status).to.equal(0);
    expect(hdlc(['build', 'designs/examples/hierarchy.ts', '-o', second]).status).to.equal(0);
    const files = fs.readdirSync(first).sort();
    expect(fs.readdirSync(second).sort()).to.deep.equal(files);
    for (const file of files) {
      expect(fs.readFileSync(path.join(second, file)), file).to.deep.equal(fs.readFileSync(path.join(first, file)));
    }
    fs.rmSync(first, { recursive: true, force: true });
    fs.rmSync(second, { recursive: true, force: true });
  });

  it('build --param changes the design', () => {
    const dir = tempDir('cli-param');
    expect(hdlc(['build', 'designs/examples/counter.ts', '--param', 'width=12', '-o', dir]).status).to.equal(0);
    expect(fs.readFileSync(path.join(dir, 'counter.v'), 'utf8')).to.include('output wire [11:0] count');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('design error writes nothing', () => {
    const dir = path.join(tempDir('cli-error'), 'out');
    const result = hdlc(['build', 'test/fixtures/bad-width.ts', '-o', dir]);
    expect(result.status).to.equal(1);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.match(/^test\/fixtures\/bad-width\.ts:8: error\[WIDTH\]: cannot assign UInt\(9\) to UInt\(8\) 'y'/);
    expect(fs.existsSync(dir)).to.equal(false);
  });

  it('bad parameter value names the design line', () => {
    const result = hdlc(['build', 'designs/examples/counter.ts', '--param', 'width=0', '-o', tempDir('cli-width')]);
    expect(result.status).to.equal(1);
    expect(result.stderr.trim()).to.equal('designs/examples/counter.ts:10: error[USAGE]: UInt width must be a whole number of bits, 1 or more; got 0');
  });

  it('missing weights file is one clean line', () => {
    const result = hdlc(['build', 'designs/face-svm.ts', '--weights', '/nonexistent/weights.json', '-o', tempDir('cli-weights')]);
    expect(result.status).to.equal(1);
    expect(result.stderr.trim()).to.match(/^hdlc: cannot read the weights file \/nonexistent\/weights\.json: ENOENT[^\n]*'\/nonexistent\/weights\.json'$/);
  });

  it('unknown parameter is a usage error', () => {
    const result = hdlc(['build', 'designs/examples/counter.ts', '--param', 'widht=3']);
    expect(result.status).to.equal(2);
    expect(result.stderr.trim()).to.equal("hdlc: unknown parameter 'widht' for counter; known parameters: width");
  });

  it('missing design file is named', () => {
    const result = hdlc(['build', 'designs/nope.ts']);
    expect(result.status).to.equal(2);
    expect(result.stderr.trim()).to.equal("hdlc: design file 'designs/nope.ts' not found");
  });

  it('unknown option is a usage error', () => {
    const result = hdlc(['build', 'designs/examples/counter.ts', '--frobnicate']);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.include("Unknown option '--frobnicate'");
  });

  it('help lists every build option', () => {
    const result = hdlc(['build', '--help']);
    expect(result.status).to.equal(0);
    for (const option of ['--top', '--param', '--out', '--help']) {
      expect(result.stdout).to.include(option);
    }
    const main = hdlc(['--help']);
    expect(main.status).to.equal(0);
    expect(main.stdout).to.include('build');
  });
});
