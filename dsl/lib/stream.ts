// Valid/ready stream ports. A beat moves on a rising clock edge when both
// `valid` and `ready` are 1; the sender holds `data` and `valid` until then.

import type { Type } from '../../compiler/ir.ts';
import { Module, SignalHandle } from '../module.ts';
import { Bool } from '../types.ts';
import type { Value } from '../value.ts';

/** The receiving side: valid and data come in, ready goes out. */
export interface StreamSink {
  readonly valid: Value;
  readonly data: Value;
  readonly ready: SignalHandle;
  /** 1 in a cycle where a beat is taken. */
  readonly fire: Value;
}

/** The sending side: valid and data go out, ready comes in. */
export interface StreamSource {
  readonly valid: SignalHandle;
  readonly data: SignalHandle;
  readonly ready: Value;
  readonly fire: Value;
}

/** Declares ports `<name>_valid`, `<name>_data` (inputs) and `<name>_ready` (output). */
export function streamIn(m: Module, name: string, type: Type): StreamSink {
  const valid = m.input(`${name}_valid`, Bool);
  const data = m.input(`${name}_data`, type);
  const ready = m.output(`${name}_ready`, Bool);
  return { valid, data, ready, fire: valid.and(ready) };
}

/** Declares ports `<name>_valid`, `<name>_data` (outputs) and `<name>_ready` (input). */
export function streamOut(m: Module, name: string, type: Type): StreamSource {
  const valid = m.output(`${name}_valid`, Bool);
  const data = m.output(`${name}_data`, type);
  const ready = m.input(`${name}_ready`, Bool);
  return { valid, data, ready, fire: valid.and(ready) };
}
