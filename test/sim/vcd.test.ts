import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ModuleIR } from '../../compiler/ir.ts';
import { Simulator } from '../../sim/simulator.ts';
import { parseVcd, readVcd, VcdParseError } from '../../sim/vcd-reader.ts';
import {
  assign, binary, constant, input, instance, module, output, ref, reg, register, s, signal, slice, u,
} from './ir-builders.ts';

/** Builds a top module with a signed 65-bit register, a 1-bit output and one instance. */
function traceDesign(): ModuleIR {
  const childIn = input('x', s(65));
  const childOut = output('doubled', s(65));
  const child = module('doubler', {
    signals: [childIn, childOut],
    assigns: [assign(childOut, binary('add', ref(childIn), ref(childIn)))],
  });

  const clk = input('clk', u(1));
  const rst = input('rst', u(1));
  const d = input('d', s(65));
  const q = reg('q', s(65));
  const flag = output('flag', u(1));
  const doubled = signal('twice', s(65), 'instout');
  const big = output('big', u(128));

  return module('trace_top', {
    signals: [clk, rst, d, flag, big, q, doubled],
    registers: [register(q, clk, ref(doubled), { reset: { signal: rst, async: false, activeLow: false }, init: 5n })],
    assigns: [
      assign(flag, slice(ref(q), 64, 1)),
      assign(big, slice(binary('mul', ref(q), constant(-3n, s(63))), 0, 128)),
    ],
    instances: [instance('dbl', child, { x: d }, { doubled })],
  });
}

const NAMES = ['rst', 'd', 'flag', 'big', 'q', 'twice', 'dbl.x', 'dbl.doubled'];

/** Runs a fixed stimulus, returning each signal's bits before and after every step. */
function runStimulus(sim: Simulator, cycles: number): { before: bigint[][]; after: bigint[][] } {
  const before: bigint[][] = [];
  const after: bigint[][] = [];
  let d = 1n;
  for (let cycle = 0; cycle < cycles; cycle++) {
    sim.set('rst', cycle === 6 ? 1 : 0);
    d = (d * 7919n + 13n) % (1n << 64n);
    sim.set('d', cycle % 2 === 0 ? d : -d);
    before.push(NAMES.map((name) => sim.getBits(name)));
    sim.step();
    after.push(NAMES.map((name) => sim.getBits(name)));
  }
  return { before, after };
}

describe('VCD writer and reader', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hdlc-vcd-'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips every signal each cycle', () => {
    const sim = new Simulator(traceDesign());
    const path = join(dir, 'nested', 'trace.vcd');
    const writer = sim.traceVcd(path);
    const { before, after } = runStimulus(sim, 20);
    writer.close();

    const vcd = readVcd(path);
    expect(vcd.timescale).to.deep.equal({ magnitude: 1, unit: 'ns' });
    expect(vcd.risingEdges('trace_top.clk')).to.deep.equal(Array.from({ length: 20 }, (_, k) => BigInt(10 * k + 5)));

    NAMES.forEach((name, column) => {
      const vcdName = `trace_top.${name}`;
      const afterEdge = vcd.sampleAtRisingEdges('trace_top.clk', vcdName, 'after');
      const beforeEdge = vcd.sampleAtRisingEdges('trace_top.clk', vcdName, 'before');
      expect(afterEdge, `${name} after each edge`).to.deep.equal(after.map((row) => row[column]));
      expect(beforeEdge, `${name} before each edge`).to.deep.equal(before.map((row) => row[column]));
    });
  });

  it('declares scopes, types and ranges', () => {
    const sim = new Simulator(traceDesign());
    const path = join(dir, 'scopes.vcd');
    sim.traceVcd(path).close();

    const vcd = readVcd(path);
    expect(vcd.scopes).to.deep.equal([
      { kind: 'module', path: ['trace_top'] },
      { kind: 'module', path: ['trace_top', 'dbl'] },
    ]);
    const q = vcd.variable('trace_top.q');
    expect(q.type).to.equal('reg');
    expect(q.size).to.equal(65);
    expect(q.range).to.deep.equal({ msb: 64, lsb: 0 });
    expect(vcd.variable('trace_top.dbl.x').type).to.equal('wire');
    expect(vcd.valueAt('trace_top.q', 0n)).to.equal(5n);
  });

  it('writes identical files for identical runs', () => {
    const texts = [0, 1].map(() => {
      const sim = new Simulator(traceDesign());
      const stream = new PassThrough();
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      const writer = sim.traceVcd(stream);
      runStimulus(sim, 8);
      writer.close();
      return Buffer.concat(chunks).toString('utf8');
    });
    expect(texts[0]).to.equal(texts[1]);
    expect(texts[0]).to.not.match(/\$date/);
  });

  it('converts with GTKWave vcd2fst', function () {
    // GTKWave is optional, so this check is skipped without it, on CI too.
    const probe = spawnSync('vcd2fst', ['--help'], { encoding: 'utf8' });
    if ((probe.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      console.log('      skipped: vcd2fst not found; install it with: apt-get install -y --no-install-recommends gtkwave');
      this.skip();
    }

    const sim = new Simulator(traceDesign());
    const path = join(dir, 'gtkwave.vcd');
    const writer = sim.traceVcd(path);
    runStimulus(sim, 12);
    writer.close();

    const fst = join(dir, 'gtkwave.fst');
    const toFst = spawnSync('vcd2fst', [path, fst], { encoding: 'utf8' });
    expect(toFst.status, toFst.stderr).to.equal(0);
    const back = spawnSync('fst2vcd', [fst], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(back.status, back.stderr).to.equal(0);

    const original = readVcd(path);
    const converted = parseVcd(back.stdout, 'fst2vcd output');
    for (const name of NAMES) {
      const vcdName = `trace_top.${name}`;
      expect(converted.sampleAtRisingEdges('trace_top.clk', vcdName), name).to.deep.equal(
        original.sampleAtRisingEdges('trace_top.clk', vcdName),
      );
    }
  });

  it('dumps the state after the last step on close', () => {
    const sim = new Simulator(traceDesign());
    const path = join(dir, 'close.vcd');
    const writer = sim.traceVcd(path);
    sim.set('d', 4);
    sim.step(2);
    sim.set('d', 9);
    writer.close();

    const vcd = readVcd(path);
    expect(vcd.endTime).to.equal(20n);
    expect(vcd.valueAt('trace_top.d', 20n)).to.equal(9n);
    expect(vcd.valueAt('trace_top.clk', 20n)).to.equal(0n);
    expect(readFileSync(path, 'utf8')).to.match(/^\$version hdlc simulator \$end\n\$timescale 1ns \$end\n/);
  });
});

describe('VCD reader', () => {
  // Declarations in the styles of several simulators, identifier codes that
  // look like commands or timestamps, and four-state values.
  const text = [
    '$comment written by hand $end',
    '$timescale',
    '  10 ps',
    '$end',
    '$scope module top $end',
    '$var wire 1 # clk $end',
    '$var wire 8 $end_id data[7:0] $end',
    '$var reg 4 b nibble [3:0] $end',
    '$var integer 32 #5 i $end',
    '$var parameter 3 p3 WIDTH $end',
    '$var wire 1 ! bits [2] $end',
    '$scope task t $end',
    '$var real 64 r x $end',
    '$upscope $end',
    '$scope fork f $end',
    '$var wire 8 $end_id alias [7:0] $end',
    '$upscope $end',
    '$upscope $end',
    '$enddefinitions $end',
    '#0',
    '$dumpvars',
    '0#',
    'bX $end_id',
    'b1 b',
    'b101 #5',
    'b11 p3',
    'z!',
    'r-0.25 r',
    '$end',
    '#10',
    '1#',
    'b10 $end_id',
    'bz1 b',
    '#20',
    '0#',
    '$dumpoff',
    'bx $end_id',
    '$end',
    '$comment mid-body comment $end',
    '#30',
    '$dumpon',
    'b11111111 $end_id',
    '$end',
    '1#',
    'R1e3 r',
    '#40',
    'B0 b',
    '1!',
  ].join('\n');
  const vcd = parseVcd(text, 'hand.vcd');

  it('reads the timescale in two words', () => {
    expect(vcd.timescale).to.deep.equal({ magnitude: 10, unit: 'ps' });
  });

  it('reads comments anywhere', () => {
    expect(vcd.comments).to.deep.equal(['written by hand', 'mid-body comment']);
  });

  it('reads scope kinds', () => {
    expect(vcd.scopes.map((scope) => `${scope.kind} ${scope.path.join('.')}`)).to.deep.equal([
      'module top', 'task top.t', 'fork top.f',
    ]);
  });

  it('splits attached and separate ranges', () => {
    expect(vcd.variable('top.data').range).to.deep.equal({ msb: 7, lsb: 0 });
    expect(vcd.variable('top.nibble').range).to.deep.equal({ msb: 3, lsb: 0 });
    expect(vcd.variable('top.bits').range).to.deep.equal({ msb: 2, lsb: 2 });
    expect(vcd.variable('top.i').type).to.equal('integer');
    expect(vcd.variable('top.WIDTH').type).to.equal('parameter');
  });

  it('extends vectors by their leading bit', () => {
    expect(vcd.textAt('top.data', 0n)).to.equal('xxxxxxxx');
    expect(vcd.textAt('top.nibble', 0n)).to.equal('0001');
    expect(vcd.textAt('top.nibble', 10n)).to.equal('zzz1');
    expect(vcd.valueAt('top.i', 0n)).to.equal(5n);
    expect(vcd.valueAt('top.WIDTH', 0n)).to.equal(3n);
  });

  it('reports x and z as null', () => {
    expect(vcd.valueAt('top.data', 5n)).to.equal(null);
    expect(vcd.valueAt('top.bits', 0n)).to.equal(null);
    expect(vcd.valueAt('top.nibble', 10n)).to.equal(null);
    expect(vcd.valueAt('top.data', 25n)).to.equal(null);
  });

  it('reads values between changes', () => {
    expect(vcd.valueAt('top.data', 10n)).to.equal(2n);
    expect(vcd.valueAt('top.data', 19n)).to.equal(2n);
    expect(vcd.valueAt('top.data', 30n)).to.equal(255n);
    expect(vcd.valueAt('top.nibble', 40n)).to.equal(0n);
    expect(vcd.valueAt('top.bits', 40n)).to.equal(1n);
    expect(vcd.textAt('top.clk', -1n)).to.equal(undefined);
  });

  it('shares changes between aliases', () => {
    expect(vcd.changes('top.f.alias')).to.deep.equal(vcd.changes('top.data'));
  });

  it('reads real values', () => {
    expect(vcd.realAt('top.t.x', 0n)).to.equal(-0.25);
    expect(vcd.realAt('top.t.x', 35n)).to.equal(1000);
    expect(() => vcd.valueAt('top.t.x', 0n)).to.throw(/is a real; read it with realAt/);
  });

  it('samples at rising edges', () => {
    expect(vcd.risingEdges('top.clk')).to.deep.equal([10n, 30n]);
    expect(vcd.sampleAtRisingEdges('top.clk', 'top.data')).to.deep.equal([2n, 255n]);
    expect(vcd.sampleAtRisingEdges('top.clk', 'top.data', 'before')).to.deep.equal([null, null]);
    expect(vcd.endTime).to.equal(40n);
  });

  it('lists close names for an unknown variable', () => {
    expect(() => vcd.variable('top.dat')).to.throw("VCD variable 'top.dat' not found (close names: top.data");
  });

  describe('errors', () => {
    const cases: [string, string, RegExp][] = [
      ['an unknown command', '$scope module m $end\n$bogus $end', /bad.vcd:2:1: invalid VCD: unexpected character/],
      ['an undeclared code', '$enddefinitions $end\n#0\n1?', /bad.vcd:3:1: invalid VCD: value change for undeclared identifier code '\?'/],
      ['a missing $end', '$scope module m\n', /bad.vcd:.*invalid VCD: .*CommandEnd/],
      ['time going back', '$enddefinitions $end\n#5\n#4', /bad.vcd:3:1: invalid VCD: time 4 is earlier than the previous time 5/],
      ['a bad timescale', '$timescale 3 ns $end', /bad.vcd:1:1: invalid VCD: timescale '3ns' is not 1, 10 or 100/],
      ['a short $var', '$var wire 1 ! $end', /bad.vcd:1:1: invalid VCD: \$var needs a type, a size/],
      ['an unbalanced $upscope', '$upscope $end', /bad.vcd:1:1: invalid VCD: \$upscope without an open \$scope/],
    ];
    for (const [name, source, message] of cases) {
      it(`rejects ${name}`, () => {
        expect(() => parseVcd(source, 'bad.vcd')).to.throw(VcdParseError, message);
      });
    }
  });
});
