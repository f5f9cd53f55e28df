// Runs the external programs of the iCE40 flow. A program that is not
// installed raises ToolMissingError with the Debian package to install; a
// program that fails is returned to the caller, which reads its messages.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ToolMissingError } from '../../sim/icarus.ts';

const debianPackages: Record<string, string> = {
  yosys: 'yosys',
  'nextpnr-ice40': 'nextpnr-ice40',
  iverilog: 'iverilog',
  vvp: 'iverilog',
};

export interface ToolRun {
  readonly status: number;
  readonly output: string;
  readonly seconds: number;
}

/** Runs `tool` in `cwd` and returns its exit status and its standard output and error together. */
export function runTool(tool: string, args: readonly string[], cwd: string): ToolRun {
  const started = performance.now();
  const result = spawnSync(tool, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) {
    if ((result.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ToolMissingError(tool, debianPackages[tool] ?? tool);
    }
    throw result.error;
  }
  return {
    status: result.status ?? 1,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}`,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Returns the last `count` non-empty lines of a tool's output, joined with ' | ' for a one-line message. */
export function lastLines(output: string, count: number): string {
  return output.trim().split('\n').filter((line) => line.trim() !== '').slice(-count).join(' | ');
}

/**
 * Finds the Yosys iCE40 simulation models (cells_sim.v): in `yosys-config
 * --datdir` when yosys-config is installed, else in ../share/yosys next to
 * the yosys program, where the Debian package puts them.
 */
export function iceCellModels(): string {
  const candidates: string[] = [];
  const config = spawnSync('yosys-config', ['--datdir'], { encoding: 'utf8' });
  if (config.status === 0) {
    candidates.push(path.join(config.stdout.trim(), 'ice40', 'cells_sim.v'));
  }
  const located = spawnSync('sh', ['-c', 'command -v yosys'], { encoding: 'utf8' });
  if (located.status === 0) {
    const program = fs.realpathSync(located.stdout.trim());
    candidates.push(path.resolve(path.dirname(program), '..', 'share', 'yosys', 'ice40', 'cells_sim.v'));
  } else {
    throw new ToolMissingError('yosys', 'yosys');
  }
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found) {
    throw new Error(`the iCE40 cell models were not found (looked at ${candidates.join(', ')}); reinstall yosys with: apt-get install -y yosys`);
  }
  return found;
}
