// Stimulus: the input values of a design for each clock cycle, read from a
// vectors file or made by a seeded random generator. An input not named in a
// cycle keeps its value from the cycle before (0 at the start), as a
// testbench register would.
//
// Vectors file formats:
// - `.json`: an array with one object per cycle, `{ "input": value, ... }`;
//   values are integers (JSON numbers or decimal/0x strings for wide ones).
// - anything else: a whitespace-separated table. The first non-comment line
//   names the inputs; each later line gives one cycle's values, in decimal
//   (negative for signed inputs) or hex with 0x. `#` starts a comment.

import fs from 'node:fs';
import path from 'node:path';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { maxValue, minValue } from '../dsl/types.ts';
import type { Type } from '../compiler/ir.ts';

export type CycleInputs = Readonly<Record<string, bigint>>;

export interface Stimulus {
  readonly cycles: readonly CycleInputs[];
}

export interface InputPort {
  readonly name: string;
  readonly type: Type;
}

export class StimulusError extends Error {
  override readonly name = 'StimulusError';
}

function parseInteger(text: string, where: string): bigint {
  const trimmed = text.trim();
  if (!/^-?(0x[0-9a-fA-F_]+|[0-9_]+)$/.test(trimmed)) {
    throw new StimulusError(`${where}: '${text}' is not an integer (write decimal, or hex with 0x)`);
  }
  const negative = trimmed.startsWith('-');
  const digits = (negative ? trimmed.slice(1) : trimmed).replace(/_/g, '');
  const magnitude = BigInt(digits);
  return negative ? -magnitude : magnitude;
}

function checkValue(value: bigint, port: InputPort, where: string): void {
  if (value < minValue(port.type) || value > maxValue(port.type)) {
    throw new StimulusError(`${where}: value ${value} for input '${port.name}' is out of range ${minValue(port.type)}..${maxValue(port.type)}`);
  }
}

/** Reads a vectors file, checking every name and value against the design's inputs. */
export function readVectors(file: string, inputs: readonly InputPort[]): Stimulus {
  if (!fs.existsSync(file)) {
    throw new StimulusError(`vectors file '${file}' not found`);
  }
  const text = fs.readFileSync(file, 'utf8');
  const byName = new Map(inputs.map((port) => [port.name, port]));
  const known = inputs.map((p) => p.name).join(', ');
  const portOf = (name: string, where: string): InputPort => {
    const port = byName.get(name);
    if (!port) {
      throw new StimulusError(`${where}: '${name}' is not an input of the design; its inputs are: ${known}`);
    }
    return port;
  };
  const base = path.basename(file);

  if (file.endsWith('.json')) {
    let rows: unknown;
    try {
      rows = JSON.parse(text);
    } catch (error) {
      throw new StimulusError(`${base}: invalid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(rows)) {
      throw new StimulusError(`${base}: expected an array with one object per cycle`);
    }
    return {
      cycles: rows.map((row, index) => {
        const where = `${base} cycle ${index}`;
        if (typeof row !== 'object' || row === null || Array.isArray(row)) {
          throw new StimulusError(`${where}: expected an object of input values`);
        }
        const cycle: Record<string, bigint> = {};
        for (const [name, raw] of Object.entries(row as Record<string, unknown>)) {
          const port = portOf(name, where);
          const value = parseInteger(String(raw), where);
          checkValue(value, port, where);
          cycle[name] = value;
        }
        return cycle;
      }),
    };
  }

  const lines = text.split('\n').map((line, index) => ({ text: line.replace(/#.*/, '').trim(), number: index + 1 }));
  const content = lines.filter((line) => line.text.length > 0);
  if (content.length === 0) {
    throw new StimulusError(`${base}: no header line naming the inputs`);
  }
  const header = content[0].text.split(/\s+/);
  const ports = header.map((name) => portOf(name, `${base}:${content[0].number}`));
  const cycles = content.slice(1).map((line) => {
    const where = `${base}:${line.number}`;
    const fields = line.text.split(/\s+/);
    if (fields.length !== ports.length) {
      throw new StimulusError(`${where}: expected ${ports.length} values (${header.join(' ')}), got ${fields.length}`);
    }
    const cycle: Record<string, bigint> = {};
    fields.forEach((field, i) => {
      const value = parseInteger(field, where);
      checkValue(value, ports[i], where);
      cycle[ports[i].name] = value;
    });
    return cycle;
  });
  return { cycles };
}

/** Draws a uniformly random integer of `type` from a seeded generator. */
export class RandomValues {
  private generator;

  constructor(seed: number) {
    this.generator = xoroshiro128plus(seed);
  }

  integer(min: number, max: number): number {
    return uniformInt(this.generator, min, max);
  }

  /** Returns a random bit pattern of `width` bits, built 16 bits at a time. */
  bits(width: number): bigint {
    let value = 0n;
    for (let done = 0; done < width; done += 16) {
      value = (value << 16n) | BigInt(this.integer(0, 0xffff));
    }
    return value & ((1n << BigInt(width)) - 1n);
  }

  /**
   * A random value of `type`, biased towards the edges: a quarter of draws
   * are the minimum, maximum, 0, 1 or -1 where the type holds them.
   */
  value(type: Type): bigint {
    if (this.integer(0, 3) === 0) {
      const edges = [minValue(type), maxValue(type), 0n, 1n, -1n].filter((v) => v >= minValue(type) && v <= maxValue(type));
      return edges[this.integer(0, edges.length - 1)];
    }
    const bits = this.bits(type.width);
    const top = 1n << BigInt(type.width - 1);
    return type.signed && bits >= top ? bits - (top << 1n) : bits;
  }
}

/**
 * Random inputs for `cycles` cycles. Inputs named in `pulses` (resets,
 * typically) are active only now and then: 1 in about one cycle in 16, and
 * always in the first cycle.
 */
export function randomStimulus(inputs: readonly InputPort[], cycles: number, seed: number, pulses: ReadonlyMap<string, bigint> = new Map()): Stimulus {
  const random = new RandomValues(seed);
  const result: CycleInputs[] = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    const values: Record<string, bigint> = {};
    for (const port of inputs) {
      const active = pulses.get(port.name);
      if (active !== undefined) {
        const on = cycle === 0 || random.integer(0, 15) === 0;
        values[port.name] = on ? active : 1n - active;
      } else {
        values[port.name] = random.value(port.type);
      }
    }
    result.push(values);
  }
  return { cycles: result };
}
