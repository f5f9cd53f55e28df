// Generators: a design file's entry point. A generator names its parameters
// and their defaults, so `hdlc build --param key=value` can check a key and
// convert its value before the build function runs.

import type { ParamValue } from '../compiler/ir.ts';
import type { Module } from './module.ts';

export type Params = Record<string, ParamValue>;

export interface Generator<P extends Params = Params> {
  readonly kind: 'hdlc-generator';
  readonly name: string;
  readonly defaults: Readonly<P>;
  build(params?: Partial<P>): Module;
}

export function generator<P extends Params>(name: string, defaults: P, build: (params: P) => Module): Generator<P> {
  return {
    kind: 'hdlc-generator',
    name,
    defaults: Object.freeze({ ...defaults }),
    build(params: Partial<P> = {}): Module {
      return build({ ...defaults, ...params });
    },
  };
}

export function isGenerator(value: unknown): value is Generator {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'hdlc-generator';
}
