import { expect } from 'chai';
import type { Memory, ResetSpec, Signal } from '../../compiler/ir.ts';
import { HdlError } from '../../compiler/errors.ts';
import { SimError } from '../../sim/errors.ts';
import { Simulator } from '../../sim/simulator.ts';
import {
  assign, binary, constant, extend, input, loc, memory, memread, module, output, ref, reg, register, s, signal,
  slice, u, wire,
} from './ir-builders.ts';

/** Builds one register per kind of reset, all loading `d` when `en` is 1. */
function resetDesign() {
  const clk = input('clk', u(1));
  const rst = input('rst', u(1));
  const rstN = input('rst_n', u(1));
  const en = input('en', u(1));
  const d = input('d', u(8));
  const init = 0x5an;

  const kinds: Record<string, ResetSpec | undefined> = {
    plain: undefined,
    sync_high: { signal: rst, async: false, activeLow: false },
    sync_low: { signal: rstN, async: false, activeLow: true },
    async_high: { signal: rst, async: true, activeLow: false },
    async_low: { signal: rstN, async: true, activeLow: true },
  };
  const regs = Object.keys(kinds).map((name) => reg(`q_${name}`, u(8)));
  const registers = regs.map((q, i) =>
    register(q, clk, ref(d), { init, enable: ref(en), reset: Object.values(kinds)[i] }),
  );

  // A combinational output of the asynchronously reset register shows when logic reads the reset value.
  const plusOne = output('async_plus_one', u(8));
  const assigns = [assign(plusOne, binary('add', ref(regs[3]), constant(1n, u(8))))];

  return module('resets', { signals: [clk, rst, rstN, en, d, plusOne, ...regs], registers, assigns });
}

function values(sim: Simulator): Record<string, bigint> {
  const names = ['q_plain', 'q_sync_high', 'q_sync_low', 'q_async_high', 'q_async_low'];
  return Object.fromEntries(names.map((name) => [name.slice(2), sim.get(name)]));
}

describe('Simulator registers', () => {
  let sim: Simulator;

  beforeEach(() => {
    sim = new Simulator(resetDesign());
    sim.set('rst', 0);
    sim.set('rst_n', 1);
    sim.set('en', 1);
  });

  it('starts every register at init', () => {
    expect(values(sim)).to.deep.equal({ plain: 0x5an, sync_high: 0x5an, sync_low: 0x5an, async_high: 0x5an, async_low: 0x5an });
    expect(sim.cycle).to.equal(0);
  });

  it('loads next on the clock edge', () => {
    sim.set('d', 7);
    expect(sim.get('q_plain')).to.equal(0x5an);

    sim.step();
    expect(values(sim)).to.deep.equal({ plain: 7n, sync_high: 7n, sync_low: 7n, async_high: 7n, async_low: 7n });
    expect(sim.get('async_plus_one')).to.equal(8n);
    expect(sim.cycle).to.equal(1);
  });

  it('holds when enable is 0', () => {
    sim.set('d', 7);
    sim.step();
    sim.set('d', 9);
    sim.set('en', 0);
    sim.step(3);

    expect(values(sim)).to.deep.equal({ plain: 7n, sync_high: 7n, sync_low: 7n, async_high: 7n, async_low: 7n });
    expect(sim.cycle).to.equal(4);
  });

  it('resets synchronously on the edge', () => {
    sim.set('d', 7);
    sim.step();
    sim.set('rst', 1);
    sim.set('rst_n', 0);

    expect(sim.get('q_sync_high')).to.equal(7n);
    expect(sim.get('q_sync_low')).to.equal(7n);

    sim.step();
    expect(sim.get('q_sync_high')).to.equal(0x5an);
    expect(sim.get('q_sync_low')).to.equal(0x5an);
    expect(sim.get('q_plain')).to.equal(7n);
  });

  it('gives reset priority over enable', () => {
    sim.set('d', 7);
    sim.step();
    sim.set('en', 0);
    sim.set('rst', 1);
    sim.set('rst_n', 0);
    sim.step();

    expect(values(sim)).to.deep.equal({ plain: 7n, sync_high: 0x5an, sync_low: 0x5an, async_high: 0x5an, async_low: 0x5an });
  });

  it('resets asynchronously without an edge', () => {
    sim.set('d', 7);
    sim.step();
    sim.set('rst', 1);

    expect(sim.get('q_async_high')).to.equal(0x5an);
    expect(sim.get('async_plus_one')).to.equal(0x5bn);
    expect(sim.get('q_async_low')).to.equal(7n);

    sim.set('rst_n', 0);
    expect(sim.get('q_async_low')).to.equal(0x5an);
  });

  it('holds init after async reset until the edge', () => {
    sim.set('d', 7);
    sim.step();
    sim.set('rst', 1);
    sim.set('rst', 0);
    sim.set('rst_n', 0);
    sim.set('rst_n', 1);

    // The pulses were never read in between, yet both registers saw them.
    expect(sim.get('q_async_high')).to.equal(0x5an);
    expect(sim.get('q_async_low')).to.equal(0x5an);

    sim.set('d', 3);
    sim.step();
    expect(sim.get('q_async_high')).to.equal(3n);
    expect(sim.get('q_async_low')).to.equal(3n);
  });

  it('keeps async reset while held across edges', () => {
    sim.set('d', 7);
    sim.set('rst', 1);
    sim.step(2);
    expect(sim.get('q_async_high')).to.equal(0x5an);

    sim.set('rst', 0);
    sim.step();
    expect(sim.get('q_async_high')).to.equal(7n);
  });
});

describe('Simulator wide and signed values', () => {
  const clk = input('clk', u(1));
  const x = input('x', s(65));
  const acc = reg('acc', u(128));
  const neg = output('neg', s(65));
  const top = output('top', u(1));

  const design = module('wide', {
    signals: [clk, x, neg, top, acc],
    registers: [register(acc, clk, binary('add', ref(acc), slice(extend(ref(x), 128), 0, 128)), { init: (1n << 128n) - 2n })],
    assigns: [
      assign(neg, { kind: 'unary', op: 'neg', arg: ref(x), type: s(65) }),
      assign(top, slice(ref(acc), 127, 1)),
    ],
  });

  it('reads signed values as negative integers', () => {
    const sim = new Simulator(design);
    sim.set('x', -(1n << 64n));

    expect(sim.get('x')).to.equal(-(1n << 64n));
    expect(sim.getBits('x')).to.equal(1n << 64n);
    expect(sim.get('neg')).to.equal(-(1n << 64n));
  });

  it('accumulates a 128-bit register with wrap', () => {
    const sim = new Simulator(design);
    expect(sim.get('acc')).to.equal((1n << 128n) - 2n);
    expect(sim.get('top')).to.equal(1n);

    sim.set('x', 3);
    sim.step();
    expect(sim.get('acc')).to.equal(1n);
    expect(sim.get('top')).to.equal(0n);

    sim.set('x', -2);
    sim.step();
    expect(sim.get('acc')).to.equal((1n << 128n) - 1n);
  });

  it('accepts the limits of a signed input', () => {
    const sim = new Simulator(design);
    sim.set('x', (1n << 64n) - 1n);
    expect(sim.get('x')).to.equal((1n << 64n) - 1n);

    sim.set('x', -(1n << 64n));
    expect(sim.get('x')).to.equal(-(1n << 64n));
  });

  it('rejects values outside the input type', () => {
    const sim = new Simulator(design);
    expect(() => sim.set('x', 1n << 64n)).to.throw(
      SimError,
      "value 18446744073709551616 for input 'x' is out of range: SInt(65) values are -18446744073709551616 to 18446744073709551615",
    );
    expect(() => sim.set('x', 0.5)).to.throw(SimError, /not an integer within ±2\^53; pass a bigint/);
    expect(() => sim.set('x', 2 ** 60)).to.throw(SimError, /pass a bigint/);
  });

  it('sets raw bit patterns', () => {
    const sim = new Simulator(design);
    sim.setBits('x', (1n << 65n) - 1n);
    expect(sim.get('x')).to.equal(-1n);
    expect(() => sim.setBits('x', 1n << 65n)).to.throw(SimError, /lies in \[0, 36893488147419103231\]/);
  });
});

describe('Simulator API errors', () => {
  const clk = input('clk', u(1));
  const count = reg('count', u(4));
  const countOut = output('count_out', u(4));
  const design = module('counter', {
    signals: [clk, countOut, count],
    registers: [register(count, clk, binary('add', ref(count), constant(1n, u(4))))],
    assigns: [assign(countOut, ref(count))],
  });
  const sim = new Simulator(design);

  it('lists close names for an unknown name', () => {
    expect(() => sim.get('countout')).to.throw(SimError, "signal 'countout' not found in module 'counter' (close names: count_out)");
  });

  it('rejects setting an output', () => {
    expect(() => sim.set('count_out', 1)).to.throw(SimError, "'count_out' is an output, not a top-level input, so it cannot be set");
  });

  it('rejects setting the clock', () => {
    expect(() => sim.set('clk', 1)).to.throw(SimError, "'clk' is a clock, which step() drives; it cannot be set");
  });

  it('rejects an invalid step count', () => {
    expect(() => sim.step(-1)).to.throw(SimError, /step count -1 is invalid/);
  });

  it('wraps a 4-bit counter', () => {
    const fresh = new Simulator(design);
    fresh.step(17);
    expect(fresh.get('count_out')).to.equal(1n);
    expect(fresh.get('clk')).to.equal(0n);
  });
});

describe('Simulator design checks', () => {
  it('reports a combinational loop with its signals', () => {
    const a = wire('a', u(1));
    const b = wire('b', u(1));
    const design = module('loop', {
      signals: [a, b],
      assigns: [assign(a, ref(b), loc(3)), assign(b, { kind: 'unary', op: 'not', arg: ref(a), type: u(1) }, loc(4))],
    });
    expect(() => new Simulator(design)).to.throw(SimError, /combinational loop: (a .*:3\) -> b .*:4\) -> a|b .*:4\) -> a .*:3\) -> b)/);
  });

  it('rejects a clock driven by logic', () => {
    const clk = input('clk', u(1));
    const gated = wire('gated', u(1));
    const q = reg('q', u(1));
    const design = module('gated', {
      signals: [clk, gated, q],
      assigns: [assign(gated, binary('and', ref(clk), ref(q)), loc(7))],
      registers: [register(q, gated, ref(q), { loc: loc(8) })],
    });
    expect(() => new Simulator(design)).to.throw(SimError, /clock 'gated' is driven by logic at designs\/test-design.ts:7/);
  });

  it('rejects two drivers of one wire', () => {
    const w = wire('w', u(1));
    const design = module('double', {
      signals: [w],
      assigns: [assign(w, constant(0n, u(1)), loc(1)), assign(w, constant(1n, u(1)), loc(2))],
    });
    expect(() => new Simulator(design)).to.throw(SimError, /'w' has more than one driver \(the other one is at designs\/test-design.ts:1\)/);
  });

  it('rejects an assign of the wrong type', () => {
    const w = wire('w', u(2));
    const design = module('mismatch', { signals: [w], assigns: [assign(w, constant(0n, u(1)))] });
    expect(() => new Simulator(design)).to.throw(HdlError, /driver of 'w' is UInt\(1\), expected UInt\(2\)/);
  });
});

function memoryDesign() {
  const clk = input('clk', u(1));
  const we = input('we', u(1));
  const re = input('re', u(1));
  const waddr = input('waddr', u(3));
  const raddr = input('raddr', u(3));
  const wdata = input('wdata', s(16));
  const rdata = signal('rdata', s(16), 'memdata');
  const adata = output('adata', s(16));
  const rdataOut = output('rdata_out', s(16));

  // Depth 5 with 3-bit addresses leaves 5, 6 and 7 out of range.
  const mem = memory('mem', s(16), 5, [1n, 0xfffen]);
  mem.writePorts.push({ clock: clk, enable: ref(we), addr: ref(waddr), data: ref(wdata), loc: loc(20) });
  mem.readPorts.push({ clock: clk, enable: ref(re), addr: ref(raddr), data: rdata, loc: loc(21) });

  return module('ram', {
    signals: [clk, we, re, waddr, raddr, wdata, adata, rdataOut, rdata],
    assigns: [assign(adata, memread(mem as Memory, ref(raddr))), assign(rdataOut, ref(rdata))],
    memories: [mem],
  });
}

describe('Simulator memories', () => {
  let sim: Simulator;

  beforeEach(() => {
    sim = new Simulator(memoryDesign());
    sim.set('re', 1);
  });

  it('starts at init padded with zeros', () => {
    expect(sim.readMemory('mem', 0)).to.equal(1n);
    expect(sim.readMemory('mem', 1)).to.equal(-2n);
    expect(sim.readMemory('mem', 4)).to.equal(0n);
    expect(sim.get('rdata')).to.equal(0n);
    expect(sim.get('adata')).to.equal(1n);
  });

  it('reads before write on one edge', () => {
    sim.set('we', 1);
    sim.set('waddr', 1);
    sim.set('raddr', 1);
    sim.set('wdata', -300);
    sim.step();

    expect(sim.get('rdata')).to.equal(-2n);
    expect(sim.get('adata')).to.equal(-300n);
    expect(sim.readMemory('mem', 1)).to.equal(-300n);

    sim.set('we', 0);
    sim.step();
    expect(sim.get('rdata_out')).to.equal(-300n);
  });

  it('holds read data when disabled', () => {
    sim.set('raddr', 1);
    sim.step();
    sim.set('re', 0);
    sim.set('raddr', 0);
    sim.step();

    expect(sim.get('rdata')).to.equal(-2n);
  });

  it('ignores writes out of range', () => {
    sim.set('we', 1);
    sim.set('waddr', 6);
    sim.set('wdata', 99);
    sim.step();

    for (let addr = 0; addr < 5; addr++) {
      expect(sim.readMemory('mem', addr), `word ${addr}`).to.not.equal(99n);
    }
  });

  it('reads 0 out of range', () => {
    sim.set('raddr', 7);
    expect(sim.get('adata')).to.equal(0n);

    sim.set('raddr', 1);
    sim.step();
    sim.set('raddr', 5);
    sim.step();
    expect(sim.get('rdata')).to.equal(0n);
  });

  it('writes memory from the API', () => {
    sim.writeMemory('mem', 0, -32768);
    expect(sim.get('adata')).to.equal(-32768n);
    expect(() => sim.writeMemory('mem', 0, 32768)).to.throw(SimError, /SInt\(16\) values are -32768 to 32767/);
    expect(() => sim.readMemory('mem', 5)).to.throw(SimError, "address 5 is outside memory 'mem', whose addresses are 0 to 4");
    expect(() => sim.readMemory('men', 0)).to.throw(SimError, /memory 'men' not found .*close names: mem/);
    expect(() => sim.get('mem')).to.throw(SimError, /'mem' is a memory: use readMemory/);
  });

  it('names the read port as driver', () => {
    expect(sim.driverLoc('rdata')).to.deep.equal(loc(21));
  });
});

describe('Simulator register clocks', () => {
  // `half` divides the clock by two; `captured` loads `fast` on its rising
  // edges, after `fast` has taken that edge's update.
  const clk = input('clk', u(1));
  const half = reg('half', u(1));
  const fast = reg('fast', u(8));
  const captured = reg('captured', u(8));
  const quarter = reg('quarter', u(1));
  const design = module('divided', {
    signals: [clk, half, fast, captured, quarter],
    registers: [
      register(fast, clk, binary('add', ref(fast), constant(1n, u(8)))),
      register(half, clk, { kind: 'unary', op: 'not', arg: ref(half), type: u(1) }),
      register(captured, half, ref(fast)),
      register(quarter, half, { kind: 'unary', op: 'not', arg: ref(quarter), type: u(1) }),
    ],
  });

  it('updates on the divided edge', () => {
    const sim = new Simulator(design);
    const seen: bigint[][] = [];
    for (let cycle = 0; cycle < 6; cycle++) {
      sim.step();
      seen.push([sim.get('half'), sim.get('fast'), sim.get('captured'), sim.get('quarter')]);
    }
    expect(seen).to.deep.equal([
      [1n, 1n, 1n, 1n],
      [0n, 2n, 1n, 1n],
      [1n, 3n, 3n, 0n],
      [0n, 4n, 3n, 0n],
      [1n, 5n, 5n, 1n],
      [0n, 6n, 5n, 1n],
    ]);
  });

  it('does not let a register clock be set', () => {
    const sim = new Simulator(design);
    expect(() => sim.set('half', 1)).to.throw(SimError, /'half' is a register, not a top-level input/);
  });
});
