// Register, memory and hierarchy semantics compared with Icarus Verilog on
// the emitted Verilog. Each design is hand-built IR driven with seeded random
// inputs (reset inputs pulse now and then), and every output is compared on
// every cycle.

import { expect } from 'chai';
import type { Memory, ModuleIR, ResetSpec, Signal } from '../../compiler/ir.ts';
import { crossCheck, formatMismatch } from '../../sim/cross-check.ts';
import { resetInputs } from '../../sim/icarus.ts';
import { randomStimulus } from '../../sim/stimulus.ts';
import { requireTool } from '../tools.ts';
import {
  assign, binary, constant, input, instance, memory, memread, module, output, ref, reg, register, s, signal, slice, u, unary,
} from './ir-builders.ts';

const CYCLES = 200;

/** Builds registers with every kind of reset, with and without enable, from a signed init. */
function resetKinds(): ModuleIR {
  const clk = input('clk', u(1));
  const rst = input('rst', u(1));
  const rstN = input('rst_n', u(1));
  const arst = input('arst', u(1));
  const arstN = input('arst_n', u(1));
  const en = input('en', u(1));
  const d = input('d', s(9));

  const kinds: [string, ResetSpec | undefined][] = [
    ['plain', undefined],
    ['sync_high', { signal: rst, async: false, activeLow: false }],
    ['sync_low', { signal: rstN, async: false, activeLow: true }],
    ['async_high', { signal: arst, async: true, activeLow: false }],
    ['async_low', { signal: arstN, async: true, activeLow: true }],
  ];
  const regs: Signal[] = [];
  const outputs: Signal[] = [];
  const registers = [];
  const assigns = [];
  for (const [name, reset] of kinds) {
    for (const enabled of [false, true]) {
      const suffix = `${name}${enabled ? '_en' : ''}`;
      const q = reg(`q_${suffix}`, s(9));
      const out = output(`out_${suffix}`, s(9));
      const next = binary('add', ref(q), ref(d));
      registers.push(register(q, clk, next, { init: 0x1fdn, reset, enable: enabled ? ref(en) : undefined }));
      assigns.push(assign(out, ref(q)));
      regs.push(q);
      outputs.push(out);
    }
  }
  return module('reset_kinds', { signals: [clk, rst, rstN, arst, arstN, en, d, ...outputs, ...regs], registers, assigns });
}

/**
 * Builds two memories: depth 5 (addresses 5 to 7 out of range) and depth 4 (every
 * address in range), each with an asynchronous read, a synchronous read with
 * and without enable, and a write port.
 */
function memories(): ModuleIR {
  const clk = input('clk', u(1));
  const signals: Signal[] = [clk];
  const assigns = [];
  const memoriesList: Memory[] = [];

  for (const [name, depth, addrWidth] of [['odd', 5, 3], ['even', 4, 2]] as const) {
    const we = input(`${name}_we`, u(1));
    const re = input(`${name}_re`, u(1));
    const waddr = input(`${name}_waddr`, u(addrWidth));
    const raddr = input(`${name}_raddr`, u(addrWidth));
    const wdata = input(`${name}_wdata`, s(12));
    const syncData = signal(`${name}_sync`, s(12), 'memdata');
    const enabledData = signal(`${name}_sync_en`, s(12), 'memdata');
    const mem = memory(name, s(12), depth, [0x7ffn, 0x800n, 5n]);
    mem.writePorts.push({ clock: clk, enable: ref(we), addr: ref(waddr), data: ref(wdata) });
    mem.readPorts.push({ clock: clk, addr: ref(raddr), data: syncData });
    mem.readPorts.push({ clock: clk, enable: ref(re), addr: ref(raddr), data: enabledData });
    memoriesList.push(mem);

    const outs = [
      [output(`${name}_async_out`, s(12)), memread(mem, ref(raddr))],
      [output(`${name}_sync_out`, s(12)), ref(syncData)],
      [output(`${name}_sync_en_out`, s(12)), ref(enabledData)],
    ] as const;
    signals.push(we, re, waddr, raddr, wdata);
    for (const [out, value] of outs) {
      signals.push(out);
      assigns.push(assign(out, value));
    }
    signals.push(syncData, enabledData);
  }
  return module('memories', { signals, assigns, memories: memoriesList });
}

/**
 * Builds two instances of a child with an asynchronously reset register and
 * a memory, plus a clock divided by a register. The divided domain samples a
 * register only: Verilog leaves undefined whether it reads combinational logic
 * before or after that logic settles from the same edge.
 */
function hierarchy(): ModuleIR {
  const childClk = input('clk', u(1));
  const childRst = input('rst', u(1));
  const childIn = input('x', u(8));
  const childOut = output('y', u(8));
  const total = reg('total', u(8));
  const last = signal('last', u(8), 'memdata');
  const history = memory('history', u(8), 2, [3n]);
  history.writePorts.push({ clock: childClk, enable: constant(1n, u(1)), addr: slice(ref(total), 0, 1), data: ref(childIn) });
  history.readPorts.push({ clock: childClk, addr: unary('not', slice(ref(total), 0, 1)), data: last });
  const child = module('child', {
    signals: [childClk, childRst, childIn, childOut, total, last],
    registers: [register(total, childClk, binary('add', ref(total), ref(childIn)), { reset: { signal: childRst, async: true, activeLow: false }, init: 9n })],
    assigns: [assign(childOut, binary('xor', ref(total), ref(last)))],
    memories: [history],
  });

  const clk = input('clk', u(1));
  const rst = input('rst', u(1));
  const a = input('a', u(8));
  const mid = signal('mid', u(8), 'instout');
  const result = signal('result', u(8), 'instout');
  const out = output('out', u(8));
  const half = reg('half', u(1));
  const fast = reg('fast', u(8));
  const slow = reg('slow', u(8));
  const slowOut = output('slow_out', u(8));
  return module('hierarchy', {
    signals: [clk, rst, a, out, slowOut, mid, result, half, fast, slow],
    assigns: [assign(out, ref(result)), assign(slowOut, ref(slow))],
    registers: [
      register(half, clk, unary('not', ref(half))),
      register(fast, clk, binary('add', ref(fast), ref(mid))),
      register(slow, half, ref(fast)),
    ],
    instances: [
      instance('first', child, { clk, rst, x: a }, { y: mid }),
      instance('second', child, { clk, rst, x: mid }, { y: result }),
    ],
  });
}

describe('simulator against Icarus', function () {
  before(function () {
    requireTool(this, 'iverilog');
    requireTool(this, 'vvp');
  });

  const designs: [string, () => ModuleIR][] = [
    ['every reset kind', resetKinds],
    ['memories', memories],
    ['hierarchy and divided clock', hierarchy],
  ];
  for (const [name, build] of designs) {
    for (const seed of [1, 2]) {
      it(`agrees on ${name}, seed ${seed}`, () => {
        const top = build();
        const inputs = top.ports.filter((port) => port.kind === 'input' && port.name !== 'clk');
        const stimulus = randomStimulus(inputs, CYCLES, seed, resetInputs(top));
        const result = crossCheck(top, stimulus);
        const mismatch = result.mismatch ? formatMismatch(result.mismatch) : 'none';
        expect(mismatch).to.equal('none');
        expect(result.cycles).to.equal(CYCLES);
      });
    }
  }
});
