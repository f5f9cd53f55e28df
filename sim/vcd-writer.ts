// Writes a simulation as a Value Change Dump, the waveform format of Verilog
// simulators, which GTKWave and the VCD reader in this folder open.
//
// - The timescale is 1 ns. Cycle k is dumped at time 10k with the clock low
//   and the inputs set before that step, and at 10k + 5 with the clock high,
//   just after the rising edge. `close()` adds the state after the last step
//   at 10n.
// - One `$scope module` per instance, nested like the hierarchy, under a scope
//   named after the top module. Registers and memdata signals are `reg`
//   variables, every other signal a `wire`.
// - The output depends only on the design and the stimulus (no date), so two
//   runs give identical files.
// NOTE: memory contents are not dumped, as Icarus does not dump them by default either.

import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { FlatSignal } from './flatten.ts';
import type { SampleListener, Simulator } from './simulator.ts';
import { CLOCK_PERIOD } from './simulator.ts';

/** A file path, or a stream that the writer writes to and ends on `close()`. */
export type VcdTarget = string | Writable;

export class VcdWriter implements SampleListener {
  private readonly ids: string[];
  private readonly signals: readonly FlatSignal[];
  private readonly output: (text: string) => void;
  private readonly finish: () => void;
  private lastValues: bigint[] | undefined;
  private lastTime = -1n;
  private closed = false;

  constructor(private readonly sim: Simulator, target: VcdTarget) {
    this.signals = sim.netlist.signals;
    this.ids = this.signals.map((_, index) => identifierCode(index));

    if (typeof target === 'string') {
      mkdirSync(dirname(target), { recursive: true });
      const fd = openSync(target, 'w');
      this.output = (text) => {
        writeSync(fd, text);
      };
      this.finish = () => closeSync(fd);
    } else {
      this.output = (text) => {
        target.write(text);
      };
      this.finish = () => target.end();
    }
    this.output(this.header());
  }

  sample(time: bigint, values: readonly bigint[]): void {
    if (this.closed) {
      return;
    }
    const lines: string[] = [];

    if (this.lastValues === undefined) {
      lines.push(`#${time}`, '$dumpvars');
      values.forEach((value, index) => lines.push(this.change(index, value)));
      lines.push('$end');
    } else {
      for (let index = 0; index < values.length; index++) {
        if (values[index] !== this.lastValues[index]) {
          lines.push(this.change(index, values[index]));
        }
      }
      if (lines.length > 0) {
        lines.unshift(`#${time}`);
      }
    }

    this.lastValues = [...values];
    this.lastTime = time;
    if (lines.length > 0) {
      this.output(lines.join('\n') + '\n');
    }
  }

  /** Dumps the current state at the start of the next cycle, then closes the file or ends the stream. */
  close(): void {
    if (this.closed) {
      return;
    }
    const time = BigInt(this.sim.cycle) * CLOCK_PERIOD;
    if (time > this.lastTime) {
      this.sample(time, this.signals.map((signal) => this.sim.getBits(signal.name)));
    }
    this.sim.removeListener(this);
    this.closed = true;
    this.finish();
  }

  private header(): string {
    const lines = ['$version hdlc simulator $end', '$timescale 1ns $end'];
    const byPath = new Map<string, number[]>();
    this.signals.forEach((signal, index) => {
      const key = signal.path.join('.');
      byPath.set(key, [...(byPath.get(key) ?? []), index]);
    });

    const writeScope = (path: readonly string[], name: string, depth: number): void => {
      const indent = '  '.repeat(depth);
      lines.push(`${indent}$scope module ${name} $end`);
      for (const index of byPath.get(path.join('.')) ?? []) {
        lines.push(`${indent}  ${this.declaration(index)}`);
      }
      for (const child of this.sim.netlist.instancePaths) {
        if (child.length === path.length + 1 && path.every((part, i) => child[i] === part)) {
          writeScope(child, child[child.length - 1], depth + 1);
        }
      }
      lines.push(`${indent}$upscope $end`);
    };
    writeScope([], this.sim.netlist.top.name, 0);

    lines.push('$enddefinitions $end');
    return lines.join('\n') + '\n';
  }

  private declaration(index: number): string {
    const signal = this.signals[index];
    const kind = signal.kind === 'reg' || signal.kind === 'memdata' ? 'reg' : 'wire';
    const { width } = signal.type;
    const range = width > 1 ? ` [${width - 1}:0]` : '';
    return `$var ${kind} ${width} ${this.ids[index]} ${signal.localName}${range} $end`;
  }

  private change(index: number, bits: bigint): string {
    if (this.signals[index].type.width === 1) {
      return `${bits}${this.ids[index]}`;
    }
    return `b${bits.toString(2)} ${this.ids[index]}`;
  }
}

/** Returns the VCD identifier code of the n-th variable: base 94 over the printable characters '!' to '~'. */
function identifierCode(n: number): string {
  let code = '';
  let rest = n;
  do {
    code += String.fromCharCode(33 + (rest % 94));
    rest = Math.floor(rest / 94) - 1;
  } while (rest >= 0);
  return code;
}
