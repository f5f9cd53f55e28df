// Verilator runs for the benchmark: writes a C++ harness that drives the
// Verilated model the way the TypeScript driver drives the simulator, builds
// it with `verilator --cc --exe --build -O3`, and runs it. The harness times
// its own simulation loop, so the figures exclude process start-up and file
// reading, as the TypeScript figures exclude building the simulator.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Type } from '../compiler/ir.ts';

export interface VerilatorRun {
  readonly cycles: number;
  readonly seconds: number;
  /** The rest of the harness's output, for checking its results. */
  readonly output: string;
}

/** Returns Verilator's version line, or undefined when it is not installed. */
export function verilatorVersion(): string | undefined {
  const result = spawnSync('verilator', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Builds `harness` (C++) with the Verilog `sources` in `dir` and returns the build time in seconds. */
export function buildVerilator(dir: string, top: string, sources: readonly string[], harness: string): number {
  fs.writeFileSync(path.join(dir, 'harness.cpp'), harness);
  const started = performance.now();
  execFileSync('verilator', [
    '--cc', '--exe', '--build', '-O3', '-j', '2', '--prefix', 'Vdut', '--top-module', top,
    '-Wno-fatal', '-Wno-lint', '-Wno-style', '-MAKEFLAGS', 'OPT_FAST=-O2', '-o', 'vbench',
    'harness.cpp', ...sources,
  ], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  return (performance.now() - started) / 1000;
}

/** Runs the built harness in `dir`; it prints `cycles N seconds S` on its first line. */
export function runVerilator(dir: string, args: readonly string[] = []): VerilatorRun {
  const output = execFileSync(path.join(dir, 'obj_dir', 'vbench'), args, { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const match = /^cycles (\d+) seconds ([\d.e+-]+)/.exec(output);
  if (!match) {
    throw new Error(`the Verilator harness printed no 'cycles N seconds S' line; its output starts: ${output.slice(0, 200)}`);
  }
  return { cycles: Number(match[1]), seconds: Number(match[2]), output: output.slice(match[0].length).trim() };
}

/** C++ statements that set port `name` of `type` from 32-bit limbs at `buffer[index]`, least significant first. */
export function setPortFromLimbs(name: string, type: Type, buffer: string, index: string): string {
  const width = type.width;
  if (width <= 32) {
    return `dut->${name} = ${buffer}[${index}];`;
  }
  if (width <= 64) {
    return `dut->${name} = (uint64_t)${buffer}[${index}] | ((uint64_t)${buffer}[${index} + 1] << 32);`;
  }
  const limbs = Math.ceil(width / 32);
  return Array.from({ length: limbs }, (_, k) => `dut->${name}[${k}] = ${buffer}[${index} + ${k}];`).join(' ');
}

// The checksum is 32-bit FNV-1a over 32-bit words instead of bytes:
// h = (h ^ word) * 16777619 mod 2^32, starting from 2166136261.
export const CHECKSUM_START = 2166136261;

/** C++ statements that fold port `name`'s 32-bit words into the uint32_t `checksum`, least significant first. */
export function foldPortIntoChecksum(name: string, type: Type, checksum: string): string {
  const width = type.width;
  const fold = (word: string): string => `${checksum} = (${checksum} ^ (uint32_t)(${word})) * 16777619u;`;
  if (width <= 32) {
    return fold(`dut->${name}`);
  }
  if (width <= 64) {
    return `${fold(`dut->${name}`)} ${fold(`(uint64_t)dut->${name} >> 32`)}`;
  }
  return Array.from({ length: Math.ceil(width / 32) }, (_, k) => fold(`dut->${name}[${k}]`)).join(' ');
}

/** Folds a bit pattern into the checksum as `foldPortIntoChecksum` does in C++. */
export function foldIntoChecksum(checksum: number, bits: bigint, width: number): number {
  if (width <= 32) {
    return Math.imul(checksum ^ Number(bits), 16777619) >>> 0;
  }
  let result = checksum;
  let rest = bits;
  for (let k = 0; k < Math.ceil(width / 32); k++) {
    result = Math.imul(result ^ Number(rest & 0xffff_ffffn), 16777619) >>> 0;
    rest >>= 32n;
  }
  return result;
}
