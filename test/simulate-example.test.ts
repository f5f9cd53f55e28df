// The simulation API used the way the README shows it, on the MAC example.

import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import mac from '../designs/examples/mac.ts';
import { Simulator } from '../sim/simulator.ts';
import { readVcd } from '../sim/vcd-reader.ts';
import { requireTool, run, tempDir } from './tools.ts';

describe('simulating the MAC example', () => {
  it('accumulates signed products', () => {
    const sim = new Simulator(mac.build().elaborate());
    sim.set('reset', 1);
    sim.step();
    sim.set('reset', 0);

    sim.set('valid', 1);
    sim.set('clear', 1);
    sim.set('a', -128);
    sim.set('b', -128);
    sim.step();
    expect(sim.get('acc')).to.equal(16384n);

    sim.set('clear', 0);
    sim.set('a', -128);
    sim.set('b', 127);
    sim.step();
    expect(sim.get('acc')).to.equal(16384n - 16256n);

    sim.set('valid', 0);
    sim.step(5);
    expect(sim.get('acc')).to.equal(128n);
    expect(sim.get('sum')).to.equal(128n);
    expect(sim.cycle).to.equal(8);
  });

  it('holds the accumulator in reset', () => {
    const sim = new Simulator(mac.build().elaborate());
    sim.set('valid', 1);
    sim.set('a', 3);
    sim.set('b', 5);
    sim.step(2);
    expect(sim.get('acc')).to.equal(30n);
    sim.set('reset', 1);
    expect(sim.get('acc')).to.equal(0n);
    sim.step();
    expect(sim.get('acc')).to.equal(0n);
  });

  it('stepUntil stops at the value', () => {
    const sim = new Simulator(mac.build().elaborate());
    sim.set('valid', 1);
    sim.set('a', 1);
    sim.set('b', 1);
    expect(sim.stepUntil('acc', 5, 100)).to.equal(5);
    expect(sim.get('acc')).to.equal(5n);
    expect(sim.stepUntil('acc', 5, 100)).to.equal(0);
    expect(() => sim.stepUntil('acc', -1, 10)).to.throw("'acc' did not become -1 within 10 cycles (at cycle 15)");
  });

  it('writes a VCD the reader reads back', () => {
    const dir = tempDir('sim-vcd');
    const file = path.join(dir, 'mac.vcd');
    const sim = new Simulator(mac.build().elaborate());
    const writer = sim.traceVcd(file);
    sim.set('valid', 1);
    sim.set('a', -7);
    sim.set('b', 9);
    sim.step(3);
    writer.close();

    const vcd = readVcd(file);
    expect(vcd.valueAt('mac.a', 4n)).to.equal(0xf9n);
    expect(vcd.valueAt('mac.acc', 4n)).to.equal(0n);
    expect(vcd.valueAt('mac.acc', 14n)).to.equal(BigInt.asUintN(23, -63n));
    expect(vcd.valueAt('mac.acc', 24n)).to.equal(BigInt.asUintN(23, -126n));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hdlc sim --icarus agrees and checks its VCD', function () {
    requireTool(this, 'iverilog');
    const dir = tempDir('sim-cli');
    const vcd = path.join(dir, 'mac.vcd');
    const result = run(process.execPath, ['bin/hdlc.js', 'sim', 'designs/examples/mac.ts', '--cycles', '1000', '--icarus', '--vcd', vcd]);
    expect(result.stderr).to.equal('');
    expect(result.status).to.equal(0);
    expect(result.stdout).to.include('simulated 1000 cycles');
    expect(result.stdout).to.include('every output matches on all 1000 cycles');
    expect(result.stdout).to.include('Icarus agrees: 1 output(s) on all 1000 cycles');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hdlc sim reads a vectors file', () => {
    const dir = tempDir('sim-vectors');
    const vectors = path.join(dir, 'mac.txt');
    fs.writeFileSync(vectors, '# reset first, then two products\nreset valid clear a b\n1 0 0 0 0\n0 1 1 -128 -128\n0 1 0 2 3\n0 0 0 0 0\n');
    const result = run(process.execPath, ['bin/hdlc.js', 'sim', 'designs/examples/mac.ts', '--vectors', vectors]);
    expect(result.stderr).to.equal('');
    expect(result.stdout).to.include('simulated 4 cycles');
    expect(result.stdout).to.include('acc=16390');

    fs.writeFileSync(vectors, 'valid a\n1 128\n');
    const bad = run(process.execPath, ['bin/hdlc.js', 'sim', 'designs/examples/mac.ts', '--vectors', vectors]);
    expect(bad.status).to.equal(1);
    expect(bad.stderr.trim()).to.equal("hdlc: mac.txt:2: value 128 for input 'a' is out of range -128..127");
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
