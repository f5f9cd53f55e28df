// Reads a VCD that Icarus Verilog writes for a small hand-written counter,
// and compares it with the same counter built as IR and run in the simulator.

import { expect } from 'chai';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Simulator } from '../../sim/simulator.ts';
import type { VcdData } from '../../sim/vcd-data.ts';
import { readVcd } from '../../sim/vcd-reader.ts';
import { requireTool, run, tempDir } from '../tools.ts';
import type { Signal } from '../../compiler/ir.ts';
import { assign, binary, concat, constant, input, module, output, ref, reg, register, u, unary } from './ir-builders.ts';

function runOrThrow(command: string, args: string[], cwd: string): void {
  const result = run(command, args, cwd);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with status ${result.status}: ${result.stderr}${result.stdout}`);
  }
}

// The clock rises at 5, 15, ..., 105; reset is high for the first edge only.
// `count` has no initial value, so it is x until that edge. `captured`
// samples `fast` on the rising edges of `half`, a clock divided by two.
const TESTBENCH = `
module counter(input clk, input rst, output reg [7:0] count, output [127:0] wide, output reg [7:0] captured);
  reg half = 1'b0;
  reg [7:0] fast = 8'd0;
  initial captured = 8'd0;
  always @(posedge clk) if (rst) count <= 8'd0; else count <= count + 8'd1;
  assign wide = {count, 120'd0} | 128'd1;
  always @(posedge clk) begin
    fast <= fast + 8'd1;
    half <= ~half;
  end
  always @(posedge half) captured <= fast;
endmodule

module tb;
  reg clk = 0;
  reg rst = 1;
  real level = 0.0;
  wire [7:0] count;
  wire [127:0] wide;
  wire [7:0] captured;
  counter dut(.clk(clk), .rst(rst), .count(count), .wide(wide), .captured(captured));
  always #5 clk = ~clk;
  initial begin
    $dumpfile("counter.vcd");
    $dumpvars(0, tb);
    #12 rst = 0;
    level = 2.5;
    #100 $finish;
  end
endmodule
`;

/** Builds the same counter as IR, with `count` starting at 0 where Icarus has x. */
function counterIr() {
  const clk = input('clk', u(1));
  const rst = input('rst', u(1));
  const count = reg('count_reg', u(8));
  const countOut = output('count', u(8));
  const wide = output('wide', u(128));
  const half = reg('half', u(1));
  const fast = reg('fast', u(8));
  const captured = reg('captured_reg', u(8));
  const capturedOut = output('captured', u(8));
  const increment = (target: Signal) => binary('add', ref(target), constant(1n, u(8)));

  return module('counter', {
    signals: [clk, rst, countOut, wide, capturedOut, count, half, fast, captured],
    registers: [
      register(count, clk, increment(count), { reset: { signal: rst, async: false, activeLow: false } }),
      register(fast, clk, increment(fast)),
      register(half, clk, unary('not', ref(half))),
      register(captured, half, ref(fast)),
    ],
    assigns: [
      assign(countOut, ref(count)),
      assign(wide, binary('or', concat(ref(count), constant(0n, u(120))), constant(1n, u(128)))),
      assign(capturedOut, ref(captured)),
    ],
  });
}

describe('VCD reader on Icarus output', function () {
  let dir: string;
  let vcd: VcdData;

  before(function () {
    requireTool(this, 'iverilog');
    requireTool(this, 'vvp');
    dir = tempDir('icarus-vcd');
    writeFileSync(join(dir, 'tb.v'), TESTBENCH);
    runOrThrow('iverilog', ['-o', 'tb.vvp', 'tb.v'], dir);
    runOrThrow('vvp', ['-n', 'tb.vvp'], dir);
    vcd = readVcd(join(dir, 'counter.vcd'));
  });

  after(() => {
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the hierarchy', () => {
    expect(vcd.scopes.map((scope) => scope.path.join('.'))).to.include.members(['tb', 'tb.dut']);
    expect(vcd.variable('tb.dut.count').size).to.equal(8);
    expect(vcd.variable('tb.wide').size).to.equal(128);
    expect(vcd.variable('tb.level').type).to.equal('real');
  });

  it('finds every rising edge', () => {
    expect(vcd.risingEdges('tb.clk')).to.deep.equal([5n, 15n, 25n, 35n, 45n, 55n, 65n, 75n, 85n, 95n, 105n]);
  });

  it('reports x before reset', () => {
    expect(vcd.valueAt('tb.count', 0n)).to.equal(null);
    expect(vcd.textAt('tb.count', 0n)).to.equal('xxxxxxxx');
    expect(vcd.sampleAtRisingEdges('tb.clk', 'tb.count', 'before')[0]).to.equal(null);
  });

  it('reads a real value', () => {
    expect(vcd.realAt('tb.level', 11n)).to.equal(0);
    expect(vcd.realAt('tb.level', 12n)).to.equal(2.5);
  });

  it('matches the simulator each cycle', () => {
    const sim = new Simulator(counterIr());
    const expectedCount: bigint[] = [];
    const expectedWide: bigint[] = [];
    const expectedCaptured: bigint[] = [];
    for (let cycle = 0; cycle < 11; cycle++) {
      sim.set('rst', cycle === 0 ? 1 : 0);
      sim.step();
      expectedCount.push(sim.get('count'));
      expectedWide.push(sim.get('wide'));
      expectedCaptured.push(sim.get('captured'));
    }

    expect(vcd.sampleAtRisingEdges('tb.clk', 'tb.count')).to.deep.equal(expectedCount);
    expect(vcd.sampleAtRisingEdges('tb.clk', 'tb.wide')).to.deep.equal(expectedWide);
    expect(vcd.sampleAtRisingEdges('tb.clk', 'tb.captured')).to.deep.equal(expectedCaptured);
    expect(expectedWide[10]).to.equal((10n << 120n) | 1n);
    expect(expectedCaptured).to.deep.equal([1n, 1n, 3n, 3n, 5n, 5n, 7n, 7n, 9n, 9n, 11n]);
  });
});
