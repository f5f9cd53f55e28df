// The contents of a parsed VCD file and queries over them.
//
// - A variable is named by its scopes and its reference joined with dots
//   (`tb.dut.count`). A bit range such as `[7:0]` is kept apart in `range`.
// - Values are four-state bit strings, most significant bit first and
//   exactly `size` characters of 0, 1, x and z, or the decimal text of a real.
// - "The value at time t" is the value after every change at t.
// - A rising edge is a change to 1 from 0, x or z; a clock's first value does
//   not count as an edge.

import { describeCloseNames } from './errors.ts';

export interface VcdScope {
  /** module, begin, task, function, fork, or whatever kind the file names. */
  readonly kind: string;
  readonly path: readonly string[];
}

export interface VcdVariable {
  /** wire, reg, integer, real, parameter, ... as declared. */
  readonly type: string;
  readonly size: number;
  /** The identifier code that value changes refer to; aliases share one. */
  readonly id: string;
  readonly reference: string;
  readonly range?: { readonly msb: number; readonly lsb: number };
  readonly scope: readonly string[];
  /** Scopes and reference joined with dots. */
  readonly name: string;
}

export interface VcdTimescale {
  /** 1, 10 or 100. */
  readonly magnitude: number;
  /** s, ms, us, ns, ps or fs. */
  readonly unit: string;
}

export interface VcdChange {
  readonly time: bigint;
  readonly value: string;
}

/** Value changes of one identifier code, in file order (times never decrease). */
export interface VcdTrace {
  readonly times: bigint[];
  readonly values: string[];
}

export type SampleEdge = 'before' | 'after';

export class VcdData {
  private readonly byName = new Map<string, VcdVariable>();

  constructor(
    readonly variables: readonly VcdVariable[],
    readonly scopes: readonly VcdScope[],
    private readonly traces: ReadonlyMap<string, VcdTrace>,
    readonly timescale: VcdTimescale | undefined,
    readonly endTime: bigint,
    /** Text of $date, $version and $comment sections, in file order. */
    readonly comments: readonly string[],
  ) {
    for (const variable of variables) {
      if (!this.byName.has(variable.name)) {
        this.byName.set(variable.name, variable);
      }
    }
  }

  /** Finds a variable by its dotted name; throws listing close names when none matches. */
  variable(name: string): VcdVariable {
    const variable = this.byName.get(name);
    if (variable === undefined) {
      throw new Error(`VCD variable '${name}' not found (${describeCloseNames(name, this.byName.keys())})`);
    }
    return variable;
  }

  hasVariable(name: string): boolean {
    return this.byName.has(name);
  }

  changes(name: string): VcdChange[] {
    const trace = this.traceOf(name);
    return trace.times.map((time, i) => ({ time, value: trace.values[i] }));
  }

  /** Returns the four-state bit string (or real text) at `time`, or undefined before the first change. */
  textAt(name: string, time: bigint): string | undefined {
    const trace = this.traceOf(name);
    const index = lastIndexAtOrBefore(trace.times, time);
    return index < 0 ? undefined : trace.values[index];
  }

  /**
   * Returns the value at `time` as an unsigned bit pattern, or null when any
   * bit is x or z or the variable has no value yet.
   */
  valueAt(name: string, time: bigint): bigint | null {
    this.expectBits(name);
    return bitsToBigInt(this.textAt(name, time));
  }

  /** Returns a real variable's value at `time`, or undefined before its first change. */
  realAt(name: string, time: bigint): number | undefined {
    const text = this.textAt(name, time);
    return text === undefined ? undefined : Number(text);
  }

  /** Lists the times at which `clock` changes to 1 from 0, x or z. */
  risingEdges(clock: string): bigint[] {
    this.expectBits(clock);
    const trace = this.traceOf(clock);
    const edges: bigint[] = [];
    for (let i = 1; i < trace.times.length; i++) {
      if (trace.values[i] === '1' && trace.values[i - 1] !== '1') {
        edges.push(trace.times[i]);
      }
    }
    return edges;
  }

  /**
   * Samples `name` at every rising edge of `clock`: just after the changes
   * at the edge's time ('after', what a register shows once it has loaded),
   * or just before that time ('before', what the register loads). Each
   * sample is null where a bit is x or z.
   */
  sampleAtRisingEdges(clock: string, name: string, edge: SampleEdge = 'after'): (bigint | null)[] {
    this.expectBits(name);
    const trace = this.traceOf(name);
    return this.risingEdges(clock).map((time) => {
      const index = edge === 'after' ? lastIndexAtOrBefore(trace.times, time) : lastIndexAtOrBefore(trace.times, time - 1n);
      return index < 0 ? null : bitsToBigInt(trace.values[index]);
    });
  }

  private traceOf(name: string): VcdTrace {
    return this.traces.get(this.variable(name).id) ?? { times: [], values: [] };
  }

  private expectBits(name: string): void {
    const variable = this.variable(name);
    if (variable.type === 'real' || variable.type === 'realtime') {
      throw new Error(`VCD variable '${name}' is a ${variable.type}; read it with realAt()`);
    }
  }
}

/**
 * Widens a VCD vector value to `size` bits: a leading 0 or 1 extends with 0,
 * a leading x or z with itself. Longer values
 * keep their low `size` bits.
 */
export function extendVcdBits(bits: string, size: number): string {
  const lower = bits.toLowerCase();
  if (lower.length >= size) {
    return lower.slice(lower.length - size);
  }
  const fill = lower[0] === 'x' || lower[0] === 'z' ? lower[0] : '0';
  return fill.repeat(size - lower.length) + lower;
}

function bitsToBigInt(bits: string | undefined): bigint | null {
  if (bits === undefined || /[xz]/.test(bits)) {
    return null;
  }
  return BigInt(`0b${bits}`);
}

// Binary search: the index of the last time <= `time`, or -1.
function lastIndexAtOrBefore(times: readonly bigint[], time: bigint): number {
  let low = 0;
  let high = times.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (times[middle] <= time) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}
