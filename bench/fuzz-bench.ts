// The mid-sized fuzz design workload: one design from the fuzzer's generator
// with up to FUZZ_MAX_NODES nodes (the fuzzer's default is 28), driven with its random
// stimulus, repeated as often as a run needs. Every cycle sets every input
// and reads every output, as the cross-check does. The TypeScript back ends
// and the Verilator harness fold the outputs into one checksum, which must
// match; Icarus's per-cycle outputs must match the compiled simulator's.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ModuleIR } from '../compiler/ir.ts';
import { toBits } from '../compiler/ir.ts';
import { emitDesign, type EmittedModule } from '../compiler/verilog/emit.ts';
import { simulateSamples } from '../sim/cross-check.ts';
import { buildModule } from '../sim/fuzz/build.ts';
import { recipeStimulus } from '../sim/fuzz/check.ts';
import { generateRecipe } from '../sim/fuzz/generate.ts';
import { designPorts, runIcarus, runTool, type DesignPorts } from '../sim/icarus.ts';
import { Simulator, type Backend } from '../sim/simulator.ts';
import type { Stimulus } from '../sim/stimulus.ts';
import { splitBits } from '../sim/codegen/limbs.ts';
import type { Measurement } from './face-bench.ts';
import {
  buildVerilator, CHECKSUM_START, foldIntoChecksum, foldPortIntoChecksum, runVerilator, setPortFromLimbs,
} from './verilator.ts';

export const FUZZ_SEED = 7;
export const FUZZ_MAX_NODES = 400;
const STIMULUS_CYCLES = 4096;

export class FuzzBench {
  readonly top: ModuleIR;
  readonly stimulus: Stimulus;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hdlc-bench-fuzz-'));
  private readonly ports: DesignPorts;
  private readonly emitted: EmittedModule[];
  private icarusDir: string | undefined;

  constructor() {
    const recipe = generateRecipe(FUZZ_SEED, 'bench_fuzz', { maxNodes: FUZZ_MAX_NODES });
    this.top = buildModule(recipe).elaborate();
    this.emitted = emitDesign(this.top);
    this.ports = designPorts(this.top, this.emitted.find((e) => e.module === this.top)!);
    this.stimulus = this.heldStimulus(recipeStimulus(recipe, STIMULUS_CYCLES, FUZZ_SEED));
  }

  /** Fills in every input on every cycle: a stimulus leaves out inputs that keep their previous value (0 at first). */
  private heldStimulus(stimulus: Stimulus): Stimulus {
    const held = new Map(this.ports.inputs.map((port) => [port.name, 0n]));
    return {
      cycles: stimulus.cycles.map((row) => {
        for (const [name, value] of Object.entries(row)) {
          held.set(name, value);
        }
        return Object.fromEntries(held);
      }),
    };
  }

  /** Counts of the flattened design's parts, for the report. */
  size(): string {
    const { netlist } = new Simulator(this.top, { backend: 'interpreter' });
    return `${netlist.signals.length} signals, ${netlist.assigns.length} assigns, ${netlist.registers.length} registers, ` +
      `${netlist.memories.length} memories, ${this.ports.inputs.length} inputs, ${this.ports.outputs.length} outputs`;
  }

  buildTime(backend: Backend): number {
    const started = performance.now();
    new Simulator(this.top, { backend });
    return (performance.now() - started) / 1000;
  }

  /** Runs `cycles` cycles in a TypeScript back end and returns the time and the output checksum. */
  runTypeScript(backend: Backend, cycles: number): Measurement & { checksum: number } {
    const sim = new Simulator(this.top, { backend });
    const started = performance.now();
    const checksum = driveStimulus(sim, this.ports, this.stimulus, cycles);
    return { cycles, seconds: (performance.now() - started) / 1000, checksum };
  }

  /** Runs Icarus once over `cycles` cycles, checks its outputs against the compiled simulator, and returns the iverilog time. */
  prepareIcarus(cycles: number): number {
    const stimulus = { cycles: Array.from({ length: cycles }, (_, c) => this.stimulus.cycles[c % this.stimulus.cycles.length]) };
    const result = runIcarus(this.top, stimulus, { readBack: 'log', keepDir: true });
    this.icarusDir = result.workDir!;
    const ours = simulateSamples(this.top, stimulus);
    for (const [name, values] of ours) {
      const theirs = result.samples.get(name)!;
      const cycle = values.findIndex((value, c) => value !== theirs[c]);
      if (cycle >= 0) {
        throw new Error(`Icarus and the compiled simulator disagree on '${name}' at cycle ${cycle}: ${theirs[cycle]} against ${values[cycle]}`);
      }
    }
    const started = performance.now();
    runTool('iverilog', 'iverilog', ['-g2005', '-o', 'hdlc_tb.vvp', '-s', 'hdlc_tb', 'hdlc_tb.v', ...this.sources()], this.icarusDir);
    return (performance.now() - started) / 1000;
  }

  /** Times one vvp run of the testbench that `prepareIcarus` built; it writes every output to a log each cycle. */
  runIcarus(cycles: number): Measurement {
    const started = performance.now();
    runTool('vvp', 'iverilog', ['-n', 'hdlc_tb.vvp'], this.icarusDir!);
    return { cycles, seconds: (performance.now() - started) / 1000 };
  }

  prepareVerilator(): number {
    for (const e of this.emitted) {
      fs.writeFileSync(path.join(this.dir, `${e.verilogName}.v`), e.text);
      for (const file of e.memoryFiles) {
        fs.writeFileSync(path.join(this.dir, file.fileName), file.text);
      }
    }
    const limbs: number[] = [];
    for (const row of this.stimulus.cycles) {
      for (const port of this.ports.inputs) {
        limbs.push(...splitBits(toBits(row[port.name], port.type.width), port.type.width));
      }
    }
    fs.writeFileSync(path.join(this.dir, 'stimulus.bin'), new Uint32Array(limbs));
    const top = this.emitted.find((e) => e.module === this.top)!.verilogName;
    return buildVerilator(this.dir, top, this.sources(), this.harness());
  }

  runVerilator(cycles: number): Measurement & { checksum: number } {
    const run = runVerilator(this.dir, [String(cycles)]);
    return { cycles: run.cycles, seconds: run.seconds, checksum: Number(run.output) };
  }

  cleanUp(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (this.icarusDir) {
      fs.rmSync(this.icarusDir, { recursive: true, force: true });
    }
  }

  private sources(): string[] {
    return this.emitted.map((e) => `${e.verilogName}.v`);
  }

  /** Writes a C++ harness that sets the inputs of each cycle, folds the outputs into the checksum and clocks every clock input. */
  private harness(): string {
    let offset = 0;
    const sets = this.ports.inputs.map((port) => {
      const statement = setPortFromLimbs(port.verilogName, port.type, 'row', String(offset));
      offset += Math.ceil(port.type.width / 32);
      return `      ${statement}`;
    });
    const folds = this.ports.outputs.map((port) => `      ${foldPortIntoChecksum(port.verilogName, port.type, 'checksum')}`);
    const clocks = this.ports.clocks.map((port) => port.verilogName);
    return `// Benchmark harness generated by hdlc's bench/fuzz-bench.ts.
#include "Vdut.h"
#include "verilated.h"
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

int main(int argc, char** argv) {
  const uint64_t cycles = std::strtoull(argv[1], nullptr, 10);
  std::ifstream in("stimulus.bin", std::ios::binary | std::ios::ate);
  std::vector<uint32_t> words(static_cast<size_t>(in.tellg()) / 4);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(words.data()), words.size() * 4);
  const size_t perCycle = ${offset};
  const size_t rows = perCycle == 0 ? 1 : words.size() / perCycle;
  VerilatedContext* context = new VerilatedContext;
  Vdut* dut = new Vdut{context};
  uint32_t checksum = ${CHECKSUM_START}u;

  auto started = std::chrono::steady_clock::now();
${clocks.map((name) => `  dut->${name} = 0;`).join('\n')}
  for (uint64_t cycle = 0; cycle < cycles; cycle++) {
    const uint32_t* row = words.data() + (cycle % rows) * perCycle;
    (void)row;
${sets.join('\n')}
    dut->eval();
${folds.join('\n')}
${clocks.map((name) => `    dut->${name} = 1;`).join('\n')}
    dut->eval();
${clocks.map((name) => `    dut->${name} = 0;`).join('\n')}
  }
  dut->eval();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("cycles %llu seconds %.6f\\n%u\\n", (unsigned long long)cycles, seconds, checksum);
  dut->final();
  delete dut;
  delete context;
  return 0;
}
`;
  }
}

/** Runs `cycles` cycles: sets every input of each stimulus row, folds every output into a checksum, steps. */
function driveStimulus(sim: Simulator, ports: DesignPorts, stimulus: Stimulus, cycles: number): number {
  const inputs = ports.inputs.map((port) => port.name);
  const outputs = ports.outputs.map((port) => ({ name: port.name, width: port.type.width }));
  const rows = stimulus.cycles;
  let checksum = CHECKSUM_START;
  for (let cycle = 0; cycle < cycles; cycle++) {
    const row = rows[cycle % rows.length];
    for (const name of inputs) {
      sim.set(name, row[name]);
    }
    for (const output of outputs) {
      checksum = foldIntoChecksum(checksum, sim.getBits(output.name), output.width);
    }
    sim.step();
  }
  return checksum;
}
