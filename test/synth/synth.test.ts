// hdlc synth on the small face model (6 classes, 16 dimensions), run as a
// user runs it, plus the readers of nextpnr's log. One placement seed and a
// few faces keep the runs short.

import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { median, parseFailure, parseFmax, parseUtilisation } from '../../compiler/synth/nextpnr.ts';
import type { SynthReport } from '../../compiler/synth/command.ts';
import { pipelineCycles } from '../../designs/face-svm.ts';
import { requireTool, run, tempDir } from '../tools.ts';

const smallModel = 'test/fixtures/small-weights.json';

function hdlcSynth(args: string[], weights = smallModel) {
  return run(process.execPath, ['bin/hdlc.js', 'synth', 'designs/face-svm.ts', '--weights', weights, '--seeds', '1', ...args]);
}

/**
 * Writes the small model with 2^28 added to every bias: the classes compare
 * as before, but scores take 30 bits, so the result word needs 5 bytes, as
 * the LFW model's does.
 */
function writeWideScoreModel(dir: string): string {
  const json = JSON.parse(fs.readFileSync(smallModel, 'utf8')) as { biases: number[] };
  json.biases = json.biases.map((bias) => bias + 2 ** 28);
  const file = path.join(dir, 'wide-score-weights.json');
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}

function readReport(dir: string): SynthReport {
  return JSON.parse(fs.readFileSync(path.join(dir, 'synth-report.json'), 'utf8')) as SynthReport;
}

describe('hdlc synth', function () {
  this.timeout(300_000);

  beforeEach(function () {
    requireTool(this, 'yosys');
    requireTool(this, 'nextpnr-ice40');
    requireTool(this, 'iverilog');
  });

  it('fits the UP5K at 2 lanes', function () {
    const dir = tempDir('synth-fit');
    const weights = writeWideScoreModel(dir);
    const result = hdlcSynth(['--device', 'up5k', '--param', 'lanes=2', '--param', 'storage=ram', '--gate-level-faces', '3', '-o', dir], weights);
    expect(result.stderr).to.include('running nextpnr-ice40');
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.include('face_svm_l2_ram_pins on up5k: fits');

    const report = readReport(dir);
    expect(report.fits).to.equal(true);
    expect(report.overflow).to.deep.equal([]);
    expect(report.logicCells).to.be.within(100, 5280);
    expect(report.flipFlops).to.be.greaterThan(50);
    expect(report.dsps).to.equal(2);
    expect(report.sprams).to.be.within(1, 4);
    expect(report.ioPins).to.be.at.most(39);
    expect(report.seeds).to.have.length(1);
    expect(report.fmaxMHz).to.be.greaterThan(10);
    // 8 input beats, 6 classes of 8 weight words, the pipeline, 1 result handshake.
    const cycles = 8 + 48 + pipelineCycles(16, 2) + 1;
    expect(report.cyclesPerClassification).to.equal(cycles);
    expect(report.classificationsPerSecond).to.be.closeTo((report.fmaxMHz! * 1e6) / cycles, 1);
    expect(report.gateLevel?.faces).to.equal(3);
    expect(report.gateLevel?.agreeing).to.equal(3);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // At 16 lanes a weight word is 128 bits wide, which takes 8 SPRAMs of 16 bits.
  it('names DSPs and SPRAMs at 16 lanes', function () {
    const dir = tempDir('synth-dsp');
    const result = hdlcSynth(['--device', 'up5k', '--param', 'lanes=16', '--param', 'storage=ram', '-o', dir]);
    expect(result.status).to.equal(1);
    expect(result.stdout).to.include('DOES NOT FIT');
    expect(result.stderr).to.include('does not fit the up5k: DSPs (SB_MAC16): 16 needed, 8 available; SPRAMs (SB_SPRAM256KA): 8 needed, 4 available');

    const report = readReport(dir);
    expect(report.fits).to.equal(false);
    expect(report.overflow.map((entry) => entry.resource)).to.deep.equal(['dsps', 'sprams']);
    expect(report.seeds).to.deep.equal([]);
    expect(report.gateLevel).to.equal(undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gate-level check catches the ice40_dsp fault', function () {
    const dir = tempDir('synth-fault');
    const result = hdlcSynth([
      '--device', 'up5k', '--param', 'lanes=2', '--param', 'storage=ram', '--gate-level-faces', '2', '--no-dsp-workaround', '-o', dir,
    ]);
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include('the gate-level netlist disagrees with the golden model on 2 of 2 faces');

    const report = readReport(dir);
    expect(report.yosys.dspWorkaround).to.equal(false);
    // Yosys 0.23 drops one of the two multipliers without the workaround.
    expect(report.dsps).to.equal(1);
    expect(report.gateLevel?.agreeing).to.equal(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('nextpnr log readers', () => {
  const log = [
    'Info: Device utilisation:',
    'Info: \t         ICESTORM_LC:   915/ 5280    17%',
    'Info: \t        ICESTORM_RAM:     7/   30    23%',
    'Info: \t        ICESTORM_DSP:     8/    8   100%',
    "Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 28.59 MHz (PASS at 12.00 MHz)",
    "Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 32.08 MHz (PASS at 12.00 MHz)",
    "Info: Max frequency for clock 'slow': 90.50 MHz (PASS at 12.00 MHz)",
  ].join('\n');

  it('reads used cells per type', () => {
    expect(parseUtilisation(log)).to.deep.equal({ ICESTORM_LC: 915, ICESTORM_RAM: 7, ICESTORM_DSP: 8 });
  });

  it('keeps the routed frequency per clock', () => {
    const fmax = parseFmax(log);
    expect(fmax.get('clk$SB_IO_IN_$glb_clk')).to.equal(32.08);
    expect(fmax.get('slow')).to.equal(90.5);
  });

  it('maps a placement error to its resource', () => {
    const failure = parseFailure("Info: Placed 0 cells\nERROR: Unable to place cell 'core.x_DSP', no BELs remaining to implement cell type 'ICESTORM_DSP'\n1 error");
    expect(failure.resource).to.equal('dsps');
    expect(failure.message).to.match(/^Unable to place cell/);
  });

  it('leaves other errors without a resource', () => {
    const failure = parseFailure('ERROR: Failed to route design\n');
    expect(failure.resource).to.equal(undefined);
    expect(failure.message).to.equal('Failed to route design');
  });

  it('takes the median of odd and even counts', () => {
    expect(median([30, 10, 20])).to.equal(20);
    expect(median([40, 10, 20, 30])).to.equal(25);
  });
});
