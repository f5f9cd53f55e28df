// The hdlc DSL: import everything a design needs from here.

import '../compiler/elaborate.ts';

export { Bool, SInt, UInt, maxValue, minValue } from './types.ts';
export { Value, cat, lit, mux, type ValueLike } from './value.ts';
export {
  InstanceHandle, MemoryHandle, Module, SignalHandle, WhenChain,
  type RegOptions, type ResetOptions,
} from './module.ts';
export { generator, isGenerator, type Generator, type Params } from './generator.ts';
export type { ModuleIR, Type } from '../compiler/ir.ts';
export { HdlError, HdlErrors } from '../compiler/errors.ts';
