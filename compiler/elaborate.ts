// Elaboration: turns what a generator recorded in a Module into a ModuleIR.
//
// Steps:
// 1. Lower the tree of when() scopes into one expression per driven signal:
//    each conditional scope becomes a mux on its condition, the later
//    assignment winning. A register's missing arm is its own value; a wire's
//    or output's missing arm is an error (it would need a latch).
// 2. Check drivers: every output and wire is driven on every path, and every
//    instance input is connected.
// 3. Check for combinational loops, through instances too.
// 4. Check every IR node against the rules in compiler/ir.ts.

import { HdlError, HdlErrors } from './errors.ts';
import type { Assign, Expr, ModuleIR, Register, Signal, SourceLoc } from './ir.ts';
import { findCombinationalLoops, recordPortDependencies } from './checks/comb-loops.ts';
import { checkModuleRules } from './checks/ir-rules.ts';
import { installElaborator, type Module, type Statement } from '../dsl/module.ts';

interface Driver {
  readonly value: Expr;
  readonly loc?: SourceLoc;
  /** The when() that leaves this signal undriven on one of its paths. */
  readonly gapAt?: SourceLoc;
}

function selfRef(signal: Signal): Expr {
  return { kind: 'ref', type: signal.type, signal, loc: signal.loc };
}

function zeroOf(signal: Signal): Expr {
  return { kind: 'const', type: signal.type, bits: 0n };
}

function lowerScope(statements: readonly Statement[], env: Map<Signal, Driver>): void {
  for (const statement of statements) {
    if (statement.kind === 'set') {
      env.set(statement.target, { value: statement.value, loc: statement.loc });
      continue;
    }

    const thenEnv = new Map(env);
    const elseEnv = new Map(env);
    lowerScope(statement.then, thenEnv);
    lowerScope(statement.otherwise, elseEnv);

    const targets = new Set([...thenEnv.keys(), ...elseEnv.keys()]);
    for (const target of targets) {
      const whenTrue = thenEnv.get(target);
      const whenFalse = elseEnv.get(target);
      if (whenTrue === whenFalse) {
        continue;
      }
      const holdsValue = target.kind === 'reg';
      const missing: Driver = holdsValue
        ? { value: selfRef(target) }
        : { value: zeroOf(target), gapAt: statement.loc };
      const t = whenTrue ?? missing;
      const f = whenFalse ?? missing;
      env.set(target, {
        value: { kind: 'mux', type: target.type, sel: statement.cond, whenTrue: t.value, whenFalse: f.value, loc: statement.loc },
        loc: statement.loc,
        gapAt: t.gapAt ?? f.gapAt,
      });
    }
  }
}

function checkDrivers(module: Module, env: Map<Signal, Driver>, errors: HdlError[]): void {
  const instanceInputs = new Map<Signal, { instance: string; port: string; loc?: SourceLoc }>();
  for (const instance of module.instances) {
    for (const [port, signal] of instance.inputs) {
      instanceInputs.set(signal, { instance: instance.name, port, loc: instance.loc });
    }
  }

  for (const signal of module.signals) {
    if (signal.kind !== 'wire' && signal.kind !== 'output') {
      continue;
    }
    const driver = env.get(signal);
    const portOf = instanceInputs.get(signal);
    if (!driver) {
      if (portOf) {
        errors.push(new HdlError('UNCONNECTED', `input '${portOf.port}' of instance '${portOf.instance}' is not connected; drive it with .input('${portOf.port}').set(...) or .connect()`, portOf.loc));
      } else {
        errors.push(new HdlError('UNDRIVEN', `${signal.kind} '${signal.name}' is never driven; assign it with .set()`, signal.loc));
      }
    } else if (driver.gapAt) {
      errors.push(new HdlError('UNDRIVEN', `${signal.kind} '${signal.name}' is not driven on every path of this when(); assign it a default before the when() or add an otherwise()`, driver.gapAt));
    }
  }
}

export function elaborate(module: Module): ModuleIR {
  const env = new Map<Signal, Driver>();
  lowerScope(module.body, env);

  const errors: HdlError[] = [];
  checkDrivers(module, env, errors);
  if (errors.length > 0) {
    throw errors.length === 1 ? errors[0] : new HdlErrors(errors);
  }

  const assigns: Assign[] = [];
  for (const signal of module.signals) {
    const driver = env.get(signal);
    if (driver && (signal.kind === 'wire' || signal.kind === 'output')) {
      assigns.push({ target: signal, value: driver.value, loc: driver.loc });
    }
  }

  const registers: Register[] = module.registers.map((draft) => ({
    ...draft,
    next: env.get(draft.signal)?.value ?? selfRef(draft.signal),
  }));

  const ir: ModuleIR = {
    name: module.name,
    params: { ...module.params },
    ports: module.ports.slice(),
    signals: module.signals.slice(),
    assigns,
    registers,
    memories: module.memories.slice(),
    instances: module.instances.map((i) => ({ ...i })),
    loc: module.loc,
  };

  const loops = findCombinationalLoops(ir);
  if (loops.length > 0) {
    throw loops.length === 1 ? loops[0] : new HdlErrors(loops);
  }
  recordPortDependencies(ir);
  checkModuleRules(ir);
  return ir;
}

installElaborator(elaborate);
