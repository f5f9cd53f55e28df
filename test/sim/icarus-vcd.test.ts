// Reads a VCD that Icarus Verilog writes for a small hand-written counter,
// and compares it with the same counter built as IR and run in the simulator.

import { expect } from 'chai';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Simulator } from '../../sim/simulator.ts';
import type { VcdData } from '../../sim/vcd-data.ts';
import { readVcd } from '../../sim/vcd-reader.ts';
import { requireTool, run, tempDir } from '../tools.ts';
import { assign, binary, concat, constant, input, module, output, ref, reg, register, u } from './ir-builders.ts';

function runOrThrow(command: string, args: string[], cwd: string): void {
  const result = run(command, args, cwd);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed with status ${result.status}: ${result.stderr}${result.stdout}`);
  }
}

// The clock rises at 5, 15, ..., 105; reset is high for the first edge only.
// `count` has no initial value, so it is x until that edge.
const TESTBENCH = `
module counter(input clk, input rst, output reg [7:0] count, output [127:0] wide);
  always @(posedge clk) if (rst) count <= 8'd0; else count <= count + 8'd1;
  assign wide = {count, 120'd0} | 128'd1;
endmodule

module tb;
  reg clk = 0;
  reg rst = 1;
  real level = 0.0;
  wire [7:0] count;
  wire [127:0] wide;
  counter dut(.clk(clk), .rst(rst), .count(count), .wide(wide));
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

/** The same counter as IR, with `count` starting at 0 where Icarus has x. */
function counterIr() {
  const clk = input('clk', u(1));
  const rst = input('rst', u(1));
  const count = reg('count_reg', u(8));
  const countOut = output('count', u(8));
  const wide = output('wide', u(128));
  return module('counter', {
    signals: [clk, rst, countOut, wide, count],
    registers: [register(count, clk, binary('add', ref(count), constant(1n, u(8))), { reset: { signal: rst, async: false, activeLow: false } })],
    assigns: [
      assign(countOut, ref(count)),
      assign(wide, binary('or', concat(ref(count), constant(0n, u(120))), constant(1n, u(128)))),
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
    for (let cycle = 0; cycle < 11; cycle++) {
      sim.set('rst', cycle === 0 ? 1 : 0);
      sim.step();
      expectedCount.push(sim.get('count'));
      expectedWide.push(sim.get('wide'));
    }

    expect(vcd.sampleAtRisingEdges('tb.clk', 'tb.count')).to.deep.equal(expectedCount);
    expect(vcd.sampleAtRisingEdges('tb.clk', 'tb.wide')).to.deep.equal(expectedWide);
    expect(expectedWide[10]).to.equal((10n << 120n) | 1n);
  });
});
