// Helpers for tests that run the real Icarus Verilog, Verilator and Yosys.
// On CI (CI set) a missing tool fails the test with the install command;
// elsewhere the test is skipped with the same message.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const debianPackages: Record<string, string> = {
  iverilog: 'iverilog',
  vvp: 'iverilog',
  verilator: 'verilator',
  yosys: 'yosys',
  'nextpnr-ice40': 'nextpnr-ice40',
};

export function hasTool(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status === 0;
}

/** Call at the start of a test (with its mocha context) that needs `tool`. */
export function requireTool(context: Mocha.Context, tool: string): void {
  if (hasTool(tool)) {
    return;
  }
  const message = `${tool} not found; install it with: apt-get install -y ${debianPackages[tool] ?? tool}`;
  if (process.env.CI) {
    throw new Error(message);
  }
  console.log(`      skipped: ${message}`);
  context.skip();
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(command: string, args: readonly string[], cwd?: string): RunResult {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hdlc-${prefix}-`));
}
