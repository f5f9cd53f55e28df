// The face classifier workload, in every simulator: reset, write every
// weight word through the weight port, then classify random int8 faces
// one after another with the valid/ready handshake. TypeScript runs the
// steps of runtime/face-hardware.ts, and the Icarus testbench and the C++
// harness take the same steps. Every run's classes and scores are checked
// against the integer golden model, so a fast but wrong simulator fails
// the benchmark.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ModuleIR } from '../compiler/ir.ts';
import { faceSvm, packLanes, weightWords } from '../designs/face-svm.ts';
import { classifyOnHardware, loadWeights, resetDesign, type HardwareResult } from '../runtime/face-hardware.ts';
import { classifyInIcarus, writeFaceDesign, type FaceRunOptions } from '../runtime/face-icarus.ts';
import { classifyInt, type IntModel } from '../runtime/integer-model.ts';
import { runTool } from '../sim/icarus.ts';
import { Simulator, type Backend } from '../sim/simulator.ts';
import { randomFaces } from './face-model.ts';
import { buildVerilator, runVerilator } from './verilator.ts';

export const LANES = 8;

export interface Measurement {
  readonly cycles: number;
  readonly seconds: number;
}

export class FaceBench {
  readonly top: ModuleIR;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hdlc-bench-face-'));
  private icarusOptions: FaceRunOptions | undefined;

  constructor(readonly model: IntModel) {
    this.top = faceSvm(model, { lanes: LANES, storage: 'ram' }).elaborate();
  }

  /** Seconds to build a simulator for the design: flattening and checks, plus code generation for 'compiled'. */
  buildTime(backend: Backend): number {
    const started = performance.now();
    new Simulator(this.top, { backend });
    return (performance.now() - started) / 1000;
  }

  /** Runs `faceCount` faces in a TypeScript back end; the time excludes building the simulator. */
  runTypeScript(backend: Backend, faceCount: number): Measurement {
    const faces = randomFaces(faceCount, this.model.dims, faceCount);
    const sim = new Simulator(this.top, { backend });
    const started = performance.now();
    const results = driveFaces(sim, this.model, faces);
    const seconds = (performance.now() - started) / 1000;
    this.check(`the ${backend} simulator`, faces, results);
    return { cycles: sim.cycle, seconds };
  }

  /**
   * Compiles the Icarus testbench for `faceCount` faces and checks its
   * results; returns the iverilog time. `runIcarus` then times vvp alone.
   */
  prepareIcarus(faceCount: number): number {
    const faces = randomFaces(faceCount, this.model.dims, faceCount);
    this.icarusOptions = writeFaceDesign(this.top, this.dir, LANES, 'ram');
    const results = classifyInIcarus(this.model, faces, this.icarusOptions);
    this.check('Icarus', faces, results);
    const started = performance.now();
    runTool('iverilog', 'iverilog', ['-g2005', '-o', 'face_tb.vvp', '-s', 'face_tb', 'face_tb.v', ...this.icarusOptions.sources], this.dir);
    return (performance.now() - started) / 1000;
  }

  /** Times one vvp run of the testbench that `prepareIcarus` built; cycles come from the same workload in TypeScript. */
  runIcarus(cycles: number): Measurement {
    const started = performance.now();
    runTool('vvp', 'iverilog', ['-n', 'face_tb.vvp'], this.dir);
    return { cycles, seconds: (performance.now() - started) / 1000 };
  }

  /** Writes the Verilog, the inputs and the C++ harness, builds them with Verilator and returns the build time. */
  prepareVerilator(faceCount: number): number {
    const options = writeFaceDesign(this.top, this.dir, LANES, 'ram');
    const faces = randomFaces(faceCount, this.model.dims, faceCount);
    const beats = this.model.dims / LANES;
    const inputs = faces.flatMap((x) => Array.from({ length: beats }, (_, b) => packLanes(x, b * LANES, LANES).toString(16)));
    fs.writeFileSync(path.join(this.dir, 'verilator_faces.hex'), inputs.join('\n') + '\n');
    fs.writeFileSync(path.join(this.dir, 'verilator_weights.hex'), weightWords(this.model, LANES).map((w) => w.toString(16)).join('\n') + '\n');
    this.verilatorFaces = faces;
    return buildVerilator(this.dir, options.top, options.sources, faceHarness(beats, options.widths.score));
  }

  runVerilator(): Measurement {
    const run = runVerilator(this.dir);
    const results = run.output.split('\n').map((line) => {
      const [classIndex, score] = line.trim().split(/\s+/);
      return { classIndex: Number(classIndex), score: BigInt(score) };
    });
    this.check('Verilator', this.verilatorFaces, results);
    return { cycles: run.cycles, seconds: run.seconds };
  }

  cleanUp(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private verilatorFaces: Int8Array[] = [];

  private check(simulator: string, faces: readonly Int8Array[], results: readonly { classIndex: number; score: bigint }[]): void {
    if (results.length !== faces.length) {
      throw new Error(`${simulator} returned ${results.length} results for ${faces.length} faces`);
    }
    faces.forEach((x, i) => {
      const expected = classifyInt(this.model, x);
      if (results[i].classIndex !== expected.classIndex || results[i].score !== BigInt(expected.score)) {
        throw new Error(
          `${simulator} classified face ${i} as class ${results[i].classIndex} with score ${results[i].score}, ` +
            `but the golden model gives class ${expected.classIndex} with score ${expected.score}`,
        );
      }
    });
  }
}

/** Resets the design, writes the weights and classifies every face, as a host would. */
function driveFaces(sim: Simulator, model: IntModel, faces: readonly Int8Array[]): HardwareResult[] {
  resetDesign(sim);
  loadWeights(sim, model, LANES);
  return faces.map((x) => classifyOnHardware(sim, x, { lanes: LANES }));
}

/** Writes the C++ harness: the steps of resetDesign, loadWeights and classifyOnHardware, one `step()` per clock cycle. */
function faceHarness(beats: number, scoreWidth: number): string {
  return `// Benchmark harness generated by hdlc's bench/face-bench.ts.
#include "Vdut.h"
#include "verilated.h"
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

static std::vector<uint64_t> readHex(const char* file) {
  std::ifstream in(file);
  std::vector<uint64_t> words;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) words.push_back(std::stoull(line, nullptr, 16));
  }
  return words;
}

int main(int argc, char** argv) {
  std::vector<uint64_t> weights = readHex("verilator_weights.hex");
  std::vector<uint64_t> faces = readHex("verilator_faces.hex");
  const size_t beats = ${beats};
  VerilatedContext* context = new VerilatedContext;
  context->commandArgs(argc, argv);
  Vdut* dut = new Vdut{context};
  uint64_t cycles = 0;
  auto step = [&]() { dut->clk = 1; dut->eval(); dut->clk = 0; dut->eval(); cycles++; };
  std::vector<std::pair<uint32_t, int64_t>> results;

  auto started = std::chrono::steady_clock::now();
  dut->clk = 0; dut->x_valid = 0; dut->result_ready = 0; dut->threshold_write = 0; dut->weight_write = 0;
  dut->reset = 1;
  dut->eval();
  step();
  dut->reset = 0;
  dut->weight_write = 1;
  for (size_t k = 0; k < weights.size(); k++) {
    dut->weight_addr = k;
    dut->weight_data = weights[k];
    step();
  }
  dut->weight_write = 0;
  for (size_t face = 0; face * beats < faces.size(); face++) {
    for (size_t beat = 0; beat < beats; beat++) {
      dut->x_valid = 1;
      dut->x_data = faces[face * beats + beat];
      dut->eval();
      while (!dut->x_ready) step();
      step();
    }
    dut->x_valid = 0;
    dut->eval();
    while (!dut->result_valid) step();
    int64_t score = (int64_t)((uint64_t)dut->result_score << ${64 - scoreWidth}) >> ${64 - scoreWidth};
    results.emplace_back((uint32_t)dut->result_class, score);
    dut->result_ready = 1;
    step();
    dut->result_ready = 0;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::printf("cycles %llu seconds %.6f\\n", (unsigned long long)cycles, seconds);
  for (auto& r : results) std::printf("%u %lld\\n", r.first, (long long)r.second);
  dut->final();
  delete dut;
  delete context;
  return 0;
}
`;
}
