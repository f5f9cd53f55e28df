import { expect } from 'chai';
import type { ModuleIR } from '../../compiler/ir.ts';
import { SimError } from '../../sim/errors.ts';
import { flatten } from '../../sim/flatten.ts';
import { Simulator } from '../../sim/simulator.ts';
import {
  assign, binary, input, instance, loc, memory, memread, module, output, ref, reg, register, signal, u,
} from './ir-builders.ts';

/** Builds an accumulator: `total` adds `x` every cycle, and `sum` is total + x. */
function accumulator(): ModuleIR {
  const clk = input('clk', u(1));
  const x = input('x', u(8));
  const sum = output('sum', u(8));
  const total = reg('total', u(8));
  const table = memory('table', u(8), 2, [5n, 6n]);
  const first = signal('first', u(8), 'wire');

  return module('accumulator', {
    signals: [clk, x, sum, total, first],
    registers: [register(total, clk, binary('add', ref(total), ref(x)), { loc: loc(31) })],
    assigns: [
      assign(sum, binary('add', ref(total), ref(x)), loc(30)),
      assign(first, memread(table, { kind: 'const', bits: 0n, type: u(1) })),
    ],
    memories: [table],
  });
}

/** Builds two accumulators in a chain, where u1 adds the sum of u0. */
function pair(): ModuleIR {
  const child = accumulator();
  const clk = input('clk', u(1));
  const a = input('a', u(8));
  const y = output('y', u(8));
  const s0 = signal('s0', u(8), 'instout');
  const s1 = signal('s1', u(8), 'instout');

  return module('pair', {
    signals: [clk, a, y, s0, s1],
    assigns: [assign(y, ref(s1), loc(40))],
    instances: [
      { ...instance('u0', child, { clk, x: a }, { sum: s0 }), loc: loc(41) },
      { ...instance('u1', child, { clk, x: s0 }, { sum: s1 }), loc: loc(42) },
    ],
  });
}

function nested(): ModuleIR {
  const clk = input('clk', u(1));
  const a = input('a', u(8));
  const out = output('out', u(8));
  const y = signal('y', u(8), 'instout');
  return module('top', {
    signals: [clk, a, out, y],
    assigns: [assign(out, ref(y))],
    instances: [instance('p', pair(), { clk, a }, { y })],
  });
}

describe('flatten', () => {
  it('names instance signals hierarchically', () => {
    const names = flatten(nested()).signals.map((sig) => sig.name);
    expect(names).to.include.members(['clk', 'a', 'out', 'p.y', 'p.s0', 'p.u0.total', 'p.u1.total', 'p.u1.x']);
    expect(names).to.have.length(4 + 5 + 2 * 5);
  });

  it('gives each instance its own memory', () => {
    const names = flatten(nested()).memories.map((mem) => mem.name);
    expect(names).to.deep.equal(['p.u0.table', 'p.u1.table']);
  });

  it('records path and local name', () => {
    const total = flatten(nested()).signals.find((sig) => sig.name === 'p.u1.total')!;
    expect(total.path).to.deep.equal(['p', 'u1']);
    expect(total.localName).to.equal('total');
    expect(total.kind).to.equal('reg');
  });

  it('turns instance inputs into wires', () => {
    const x = flatten(pair()).signals.find((sig) => sig.name === 'u1.x')!;
    expect(x.kind).to.equal('wire');
  });

  it('adds connection assigns with instance locations', () => {
    const connections = flatten(pair()).assigns.filter((a) => a.connection);
    const described = connections.map((a) => {
      const source = a.value.kind === 'ref' ? a.value.signal.name : '?';
      return `${a.target.name} <= ${source} @${a.loc?.line}`;
    });
    expect(described).to.have.members([
      'u0.clk <= clk @41', 'u0.x <= a @41', 's0 <= u0.sum @41',
      'u1.clk <= clk @42', 'u1.x <= s0 @42', 's1 <= u1.sum @42',
    ]);
  });

  it('lists instance paths parents first', () => {
    expect(flatten(nested()).instancePaths).to.deep.equal([[], ['p'], ['p', 'u0'], ['p', 'u1']]);
  });

  it('rejects an unconnected input', () => {
    const child = accumulator();
    const clk = input('clk', u(1));
    const design = module('bad', { signals: [clk], instances: [{ ...instance('u', child, { clk }, {}), loc: loc(9) }] });
    expect(() => flatten(design)).to.throw(SimError, "designs/test-design.ts:9: input 'x' of instance 'u' is not connected");
  });

  it('rejects an unknown port', () => {
    const child = accumulator();
    const clk = input('clk', u(1));
    const design = module('bad', { signals: [clk], instances: [instance('u', child, { clk, x: clk, z: clk }, {})] });
    expect(() => flatten(design)).to.throw(SimError, "instance 'u' connects 'z', which is not a port of module 'accumulator'");
  });

  it('rejects a connection of another type', () => {
    const child = accumulator();
    const clk = input('clk', u(1));
    const design = module('bad', { signals: [clk], instances: [instance('u', child, { clk, x: clk }, {})] });
    expect(() => flatten(design)).to.throw(SimError, "port 'x' of instance 'u' is UInt(8) but is connected to 'clk' of type UInt(1)");
  });
});

describe('Simulator hierarchy', () => {
  it('simulates instances independently', () => {
    const sim = new Simulator(nested());
    sim.set('a', 3);
    expect(sim.get('out')).to.equal(3n);

    sim.step();
    // u0.total = 3, u0.sum = 6, u1.total = 3 (it added u0.sum = 3), u1.sum = 9.
    expect(sim.get('p.u0.total')).to.equal(3n);
    expect(sim.get('p.u1.total')).to.equal(3n);
    expect(sim.get('p.u0.sum')).to.equal(6n);
    expect(sim.get('out')).to.equal(9n);

    sim.step();
    expect(sim.get('p.u1.total')).to.equal(9n);
    expect(sim.get('out')).to.equal(9n + 9n);
  });

  it('reads instance memories by path', () => {
    const sim = new Simulator(nested());
    expect(sim.memoryNames()).to.deep.equal(['p.u0.table', 'p.u1.table']);

    sim.writeMemory('p.u1.table', 0, 42);
    expect(sim.get('p.u1.first')).to.equal(42n);
    expect(sim.get('p.u0.first')).to.equal(5n);
  });

  it('finds drivers through instance ports', () => {
    const sim = new Simulator(nested());
    expect(sim.driverLoc('p.s1')?.line).to.equal(30);
    expect(sim.driverLoc('p.u1.total')?.line).to.equal(31);
    expect(sim.driverLoc('p.y')?.line).to.equal(40);
  });

  it('suggests hierarchical names', () => {
    const sim = new Simulator(nested());
    expect(() => sim.get('p.u1.totl')).to.throw(SimError, /close names: p\.u1\.total/);
  });
});
