import { expect } from 'chai';
import { Writable } from 'node:stream';
import type { Expr, ModuleIR, ResetSpec, Signal, Type } from '../../compiler/ir.ts';
import { mask } from '../../compiler/ir.ts';
import { Simulator } from '../../sim/simulator.ts';
import {
  assign, binary, cast, concat, constant, extend, input, instance, memory, memread, module, mux, output, ref, reg,
  register, s, slice, u, unary, wire,
} from './ir-builders.ts';

const WIDTHS = [1, 31, 32, 33, 53, 64, 65, 128];

/** Bit patterns at the edges of a `width`-bit type: 0, 1, the extremes of both readings, and the 32- and 53-bit boundaries. */
function edgePatterns(width: number): bigint[] {
  const all = mask(width);
  const top = 1n << BigInt(width - 1);
  const candidates = [
    0n, 1n, 2n, all, all - 1n, top, top + 1n, top - 1n,
    0x5555_5555_5555_5555_5555_5555_5555_5555n, 0xaaaa_aaaa_aaaa_aaaa_aaaa_aaaa_aaaa_aaaan,
    0xffff_ffffn, 0x1_0000_0000n, 0x1_ffff_ffffn, (1n << 53n) - 1n, 1n << 53n, 0x8000_0000n, 0x7fff_ffffn,
  ];
  return [...new Set(candidates.map((value) => value & all))];
}

/** Shift amounts around the width, as 8-bit patterns. */
function shiftAmounts(width: number): bigint[] {
  return [...new Set([0, 1, 2, width - 1, width, width + 1, 31, 32, 33, 63, 64, 65, 255].map((n) => BigInt(n) & 0xffn))];
}

/** Returns a seeded generator of random bit patterns of any width, so a failure reproduces. */
function randomPatterns(seed: number): (width: number) => bigint {
  let state = BigInt(seed);
  return (width) => {
    let value = 0n;
    for (let bits = 0; bits < width; bits += 31) {
      state = (state * 1103515245n + 12345n) & 0x7fff_ffffn;
      value = (value << 31n) | state;
    }
    return value & mask(width);
  };
}

interface Cycle {
  readonly [name: string]: bigint;
}

/** Runs both back ends on the same inputs and checks every signal after every input change and every step. */
function expectBackendsAgree(design: ModuleIR, cycles: readonly Cycle[]): void {
  const compiled = new Simulator(design);
  const interpreter = new Simulator(design, { backend: 'interpreter' });
  expect(compiled.backend).to.equal('compiled');
  expect(interpreter.backend).to.equal('interpreter');
  const names = interpreter.signalNames();

  const compare = (when: string): void => {
    for (const name of names) {
      const expected = interpreter.getBits(name);
      const actual = compiled.getBits(name);
      if (actual !== expected) {
        expect.fail(`${when}: '${name}' is 0x${actual.toString(16)} compiled but 0x${expected.toString(16)} interpreted`);
      }
    }
  };

  compare('at time zero');
  cycles.forEach((cycle, index) => {
    for (const [name, bits] of Object.entries(cycle)) {
      compiled.setBits(name, bits);
      interpreter.setBits(name, bits);
    }
    compare(`cycle ${index} before the edge (inputs ${JSON.stringify(cycle, (_, v) => (typeof v === 'bigint' ? v.toString(16) : v))})`);
    compiled.step();
    interpreter.step();
    compare(`cycle ${index} after the edge`);
  });

  for (const name of interpreter.memoryNames()) {
    const depth = interpreter.netlist.memories.find((m) => m.name === name)!.depth;
    for (let addr = 0; addr < depth; addr++) {
      expect(compiled.readMemory(name, addr), `word ${addr} of ${name}`).to.equal(interpreter.readMemory(name, addr));
    }
  }
}

/** Builds a module with every operator on two operands of one type, with shifts by narrow, wide and constant amounts. */
function operatorDesign(type: Type): ModuleIR {
  const w = type.width;
  const a = input('a', type);
  const b = input('b', type);
  const sel = input('sel', u(1));
  const amount = input('amount', u(8));
  const wideAmount = input('wide_amount', u(70));
  const A = ref(a);
  const B = ref(b);

  const results: Record<string, Expr> = {
    not: unary('not', A),
    neg: unary('neg', A),
    reduce_and: unary('reduce_and', A),
    reduce_or: unary('reduce_or', A),
    reduce_xor: unary('reduce_xor', A),
    mux: mux(ref(sel), A, B),
    cast: cast(A),
    concat: concat(A, B),
    concat3: concat(slice(A, 0, 1), B, A),
    extend1: extend(A, w + 1),
    extend31: extend(A, w + 31),
    extend_double: extend(A, 2 * w + 3),
    slice_low: slice(A, 0, Math.max(1, w >> 1)),
    slice_top: slice(A, w - 1, 1),
    shl: binary('shl', A, ref(amount)),
    shr: binary('shr', A, ref(amount)),
    shl_wide: binary('shl', A, ref(wideAmount)),
    shr_wide: binary('shr', A, ref(wideAmount)),
    eq_max: binary('eq', A, constant(mask(w), type)),
    lt_min: binary('lt', A, { kind: 'const', type, bits: 1n << BigInt(w - 1) }),
    // Expressions of constants only, which the compiled back end folds before simulation.
    constant_product: binary('mul', constant(mask(w), type), { kind: 'const', type, bits: 1n << BigInt(w - 1) }),
    constant_shift: binary('shr', { kind: 'const', type, bits: 1n << BigInt(w - 1) }, constant(BigInt(w >> 1), u(8))),
    constant_compare: binary('gt', constant(mask(w), type), constant(0n, type)),
  };
  if (w > 2) {
    results.slice_middle = slice(A, 1, w - 2);
  }
  for (const op of ['add', 'sub', 'mul', 'and', 'or', 'xor', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
    results[op] = binary(op, A, B);
  }
  for (const amountValue of new Set([0, 1, 5, 31, 32, 33, w - 1, w, w + 1, 200])) {
    const amountConstant = constant(BigInt(amountValue) & 0xffn, u(8));
    results[`shl_by_${amountValue}`] = binary('shl', A, amountConstant);
    results[`shr_by_${amountValue}`] = binary('shr', A, amountConstant);
  }

  const outputs = Object.entries(results).map(([name, value]) => ({ signal: output(name, value.type), value }));
  return module(`ops_${type.signed ? 's' : 'u'}${w}`, {
    signals: [a, b, sel, amount, wideAmount, ...outputs.map((o) => o.signal)],
    assigns: outputs.map((o) => assign(o.signal, o.value)),
  });
}

function operatorCycles(width: number): Cycle[] {
  const edges = edgePatterns(width);
  const amounts = shiftAmounts(width);
  const wideAmounts = [...amounts, 1n << 32n, (1n << 32n) + 1n, 1n << 69n];
  const random = randomPatterns(width);
  const cycles: Cycle[] = [];
  let n = 0;
  for (const x of edges) {
    for (const y of edges) {
      cycles.push({ a: x, b: y, sel: BigInt(n & 1), amount: amounts[n % amounts.length], wide_amount: wideAmounts[n % wideAmounts.length] });
      n++;
    }
  }
  for (let i = 0; i < 64; i++) {
    cycles.push({ a: random(width), b: random(width), sel: random(1), amount: random(8), wide_amount: random(70) });
  }
  return cycles;
}

describe('compiled simulator against the interpreter', () => {
  describe('operators', () => {
    for (const width of WIDTHS) {
      for (const type of [u(width), s(width)]) {
        it(`agree at ${type.signed ? 'SInt' : 'UInt'}(${width})`, () => {
          expectBackendsAgree(operatorDesign(type), operatorCycles(width));
        });
      }
    }

    it('agree on mixed-width products', () => {
      const pairs: [Type, Type][] = [[s(8), s(8)], [u(20), u(33)], [s(26), s(27)], [s(27), s(27)], [u(32), u(32)], [s(1), s(1)], [s(33), s(65)]];
      const signals: Signal[] = [];
      const assigns = pairs.map(([left, right], i) => {
        const a = input(`a${i}`, left);
        const b = input(`b${i}`, right);
        const product = binary('mul', ref(a), ref(b));
        const out = output(`p${i}`, product.type);
        signals.push(a, b, out);
        return assign(out, product);
      });
      const design = module('products', { signals, assigns });
      const random = randomPatterns(7);
      const cycles: Cycle[] = [];
      for (let i = 0; i < 80; i++) {
        const cycle: Record<string, bigint> = {};
        pairs.forEach(([left, right], k) => {
          const edgesA = edgePatterns(left.width);
          const edgesB = edgePatterns(right.width);
          cycle[`a${k}`] = i < 40 ? edgesA[i % edgesA.length] : random(left.width);
          cycle[`b${k}`] = i < 40 ? edgesB[(i * 7) % edgesB.length] : random(right.width);
        });
        cycles.push(cycle);
      }
      expectBackendsAgree(design, cycles);
    });
  });

  it('agree on registers with every kind of reset', () => {
    const clk = input('clk', u(1));
    const rst = input('rst', u(1));
    const rstN = input('rst_n', u(1));
    const en = input('en', u(1));
    const signals: Signal[] = [clk, rst, rstN, en];
    const registers = [];
    const assigns = [];
    for (const type of [u(8), s(40), u(65)]) {
      const d = input(`d${type.width}`, type);
      signals.push(d);
      const kinds: Record<string, ResetSpec | undefined> = {
        plain: undefined,
        sync_high: { signal: rst, async: false, activeLow: false },
        sync_low: { signal: rstN, async: false, activeLow: true },
        async_high: { signal: rst, async: true, activeLow: false },
        async_low: { signal: rstN, async: true, activeLow: true },
      };
      for (const [kind, reset] of Object.entries(kinds)) {
        const q = reg(`q${type.width}_${kind}`, type);
        const init = mask(type.width) - 5n;
        registers.push(register(q, clk, binary('add', ref(d), ref(q)), { init, enable: ref(en), reset }));
        const plusOne = output(`q${type.width}_${kind}_plus_one`, type);
        assigns.push(assign(plusOne, binary('add', ref(q), constant(1n, type))));
        signals.push(q, plusOne);
      }
    }
    const design = module('resets', { signals, assigns, registers });
    const random = randomPatterns(3);
    const cycles: Cycle[] = [];
    for (let i = 0; i < 120; i++) {
      cycles.push({
        rst: i < 2 || random(3) === 0n ? 1n : 0n,
        rst_n: i === 0 || random(3) === 0n ? 0n : 1n,
        en: random(2) === 0n ? 0n : 1n,
        d8: random(8),
        d40: random(40),
        d65: random(65),
      });
    }
    expectBackendsAgree(design, cycles);
  });

  it('agree on memories and their ports', () => {
    const clk = input('clk', u(1));
    const we = input('we', u(1));
    const re = input('re', u(1));
    // The wide memory's depth is not a power of two, so addresses 5 to 7 are out of range.
    const waddr = input('waddr', u(3));
    const raddr = input('raddr', u(3));
    const narrowAddr = input('narrow_addr', u(4));
    const data = input('data', u(70));
    const wide = memory('wide', u(70), 5, [1n, mask(70), 1n << 69n]);
    const narrow = memory('narrow', s(8), 16, [-1n & 0xffn, 0x80n]);
    const readWide = { kind: 'memdata' as const, name: 'read_wide', type: u(70) };
    const readNarrow = { kind: 'memdata' as const, name: 'read_narrow', type: s(8) };
    wide.writePorts.push({ clock: clk, enable: ref(we), addr: ref(waddr), data: ref(data) });
    wide.readPorts.push({ clock: clk, enable: ref(re), addr: ref(raddr), data: readWide });
    // Two write ports to the same address on one edge: the later port wins.
    narrow.writePorts.push({ clock: clk, enable: ref(we), addr: ref(narrowAddr), data: cast(slice(ref(data), 0, 8)) });
    narrow.writePorts.push({ clock: clk, enable: ref(re), addr: ref(narrowAddr), data: cast(slice(ref(data), 8, 8)) });
    narrow.readPorts.push({ clock: clk, addr: ref(narrowAddr), data: readNarrow });

    const asyncWide = output('async_wide', u(70));
    const asyncNarrow = output('async_narrow', s(8));
    const design = module('memories', {
      signals: [clk, we, re, waddr, raddr, narrowAddr, data, readWide, readNarrow, asyncWide, asyncNarrow],
      memories: [wide, narrow],
      assigns: [
        assign(asyncWide, memread(wide, ref(raddr))),
        assign(asyncNarrow, memread(narrow, ref(narrowAddr))),
      ],
    });
    const random = randomPatterns(11);
    const cycles: Cycle[] = [];
    for (let i = 0; i < 150; i++) {
      // Most cycles use addresses 0 and 1 of the narrow memory, so its two write ports often collide.
      cycles.push({
        we: random(1), re: random(1), waddr: random(3), raddr: random(3), narrow_addr: i < 100 ? random(1) : random(4), data: random(70),
      });
    }
    expectBackendsAgree(design, cycles);

    const compiled = new Simulator(design);
    compiled.writeMemory('wide', 2, mask(70) - 1n);
    compiled.set('raddr', 2);
    expect(compiled.get('async_wide')).to.equal(mask(70) - 1n);
    expect(compiled.readMemory('narrow', 0)).to.equal(-1n);
  });

  it('agree on hierarchy and a divided clock', () => {
    expectBackendsAgree(hierarchyDesign(), hierarchyCycles());
  });

  it('write the same VCD as the interpreter', async () => {
    const design = hierarchyDesign();
    const texts = await Promise.all((['compiled', 'interpreter'] as const).map(async (backend) => {
      const sim = new Simulator(design, { backend });
      const chunks: string[] = [];
      const finished = new Promise<void>((resolve) => {
        const stream = new Writable({
          write(chunk, _encoding, done) {
            chunks.push(String(chunk));
            done();
          },
        });
        stream.on('finish', resolve);
        const writer = sim.traceVcd(stream);
        for (const cycle of hierarchyCycles()) {
          for (const [name, bits] of Object.entries(cycle)) {
            sim.setBits(name, bits);
          }
          sim.step();
        }
        writer.close();
      });
      await finished;
      return chunks.join('');
    }));
    expect(texts[0].length).to.be.greaterThan(1000);
    expect(texts[0]).to.equal(texts[1]);
  });

  it('agree on run loops', () => {
    const design = runLoopDesign();
    const fast = new Simulator(design);
    const reference = new Simulator(design, { backend: 'interpreter' });
    const compare = (when: string): void => {
      for (const name of reference.signalNames()) {
        expect(fast.getBits(name), `${name} ${when}`).to.equal(reference.getBits(name));
      }
      for (let addr = 0; addr < 8; addr++) {
        expect(fast.readMemory('trace', addr), `trace[${addr}] ${when}`).to.equal(reference.readMemory('trace', addr));
      }
      expect(fast.cycle, `cycle ${when}`).to.equal(reference.cycle);
    };
    const stepOneByOne = (count: number): void => {
      for (let i = 0; i < count; i++) reference.step();
    };
    const setBoth = (name: string, value: number): void => {
      fast.set(name, value);
      reference.set(name, value);
    };
    setBoth('rst', 1);
    setBoth('en', 1);
    setBoth('rst', 0);

    fast.step(37);
    stepOneByOne(37);
    compare('after step(37)');

    // A one-limb signal runs in the generated loop; the 40-bit one takes the Simulator's loop.
    expect(fast.stepUntil('count', 200, 1000)).to.equal(200 - 37);
    stepOneByOne(200 - 37);
    compare('after stepUntil on count');
    expect(fast.stepUntil('count', 200, 5)).to.equal(0);
    expect(fast.stepUntil('wide', 210n, 1000)).to.equal(10);
    stepOneByOne(10);
    compare('after stepUntil on wide');

    expect(() => fast.stepUntil('count', 0, 20)).to.throw("'count' did not become 0 within 20 cycles (at cycle 230)");
    stepOneByOne(20);
    compare('after a stepUntil timeout');

    // An asynchronous reset set between two runs acts at once and keeps the count at 0 while it is active.
    setBoth('rst', 1);
    fast.step(3);
    stepOneByOne(3);
    compare('in reset');
    setBoth('rst', 0);
    setBoth('en', 0);
    fast.step(4);
    stepOneByOne(4);
    compare('disabled');
    for (const sim of [fast, reference]) {
      expect(() => sim.stepUntil('count', 1, Number.NaN)).to.throw(/maxSteps NaN of stepUntil\('count'\) is invalid/);
      expect(() => sim.stepUntil('count', 7, 2.5)).to.throw(/maxSteps 2.5 of stepUntil\('count'\) is invalid/);
      expect(() => sim.stepUntil('count', 7, -1)).to.throw(/maxSteps -1 of stepUntil\('count'\) is invalid/);
      expect(() => sim.stepUntil('count', 256, 5)).to.throw(/value 256 for stepUntil\('count'\) is out of range: UInt\(8\) values are 0 to 255/);
      expect(() => sim.stepUntil('count', 1.5, 5)).to.throw(/value 1.5 for stepUntil\('count'\) is not an integer/);
    }
    compare('after rejected calls');
  });

  it('rejects an unknown back end', () => {
    expect(() => new Simulator(hierarchyDesign(), { backend: 'fast' as never })).to.throw(/backend 'fast' is invalid/);
  });
});

/** A child with a wide accumulator, instantiated twice, and a register and memory ports on a clock divided by a register. */
function hierarchyDesign(): ModuleIR {
  const childClk = input('clk', u(1));
  const x = input('x', u(36));
  const sum = output('sum', u(36));
  const total = reg('total', u(36));
  const child = module('acc', {
    signals: [childClk, x, sum, total],
    registers: [register(total, childClk, binary('add', ref(total), ref(x)), { init: 3n })],
    assigns: [assign(sum, binary('xor', ref(total), ref(x)))],
  });

  const clk = input('clk', u(1));
  const a = input('a', u(36));
  const s0 = signal36('s0');
  const s1 = signal36('s1');
  const y = output('y', u(36));
  const divided = reg('divided', u(1));
  const slow = reg('slow', u(36));
  const slowClock = wire('slow_clock', u(1));
  const log = memory('log', u(36), 3);
  const logged = { kind: 'memdata' as const, name: 'logged', type: u(36) };
  log.writePorts.push({ clock: slowClock, enable: constant(1n, u(1)), addr: slice(ref(a), 0, 2), data: ref(slow) });
  log.readPorts.push({ clock: slowClock, addr: slice(ref(s0), 0, 2), data: logged });
  return module('top', {
    signals: [clk, a, s0, s1, y, divided, slow, slowClock, logged],
    memories: [log],
    instances: [instance('u0', child, { clk, x: a }, { sum: s0 }), instance('u1', child, { clk, x: s0 }, { sum: s1 })],
    registers: [
      register(divided, clk, unary('not', ref(divided))),
      register(slow, slowClock, binary('sub', ref(s1), ref(slow)), { init: 9n }),
    ],
    assigns: [assign(slowClock, ref(divided)), assign(y, binary('add', ref(s1), ref(slow)))],
  });
}

function signal36(name: string): Signal {
  return { name, type: u(36), kind: 'instout' };
}

function hierarchyCycles(): Cycle[] {
  const random = randomPatterns(5);
  return Array.from({ length: 40 }, () => ({ a: random(36) }));
}

/** Builds an 8-bit and a 40-bit counter with an asynchronous reset and an enable, and a memory that records the count. */
function runLoopDesign(): ModuleIR {
  const clk = input('clk', u(1));
  const rst = input('rst', u(1));
  const en = input('en', u(1));
  const count = reg('count', u(8));
  const wide = reg('wide', u(40));
  const next = output('next', u(8));
  const trace = memory('trace', u(8), 8, []);
  trace.writePorts.push({ clock: clk, enable: ref(en), addr: slice(ref(count), 0, 3), data: ref(count) });
  const reset = { signal: rst, async: true, activeLow: false };
  return module('run_loops', {
    signals: [clk, rst, en, count, wide, next],
    memories: [trace],
    assigns: [assign(next, binary('add', ref(count), constant(1n, u(8))))],
    registers: [
      register(count, clk, ref(next), { init: 0n, enable: ref(en), reset }),
      register(wide, clk, binary('add', ref(wide), constant(1n, u(40))), { init: 0n, enable: ref(en), reset }),
    ],
  });
}
