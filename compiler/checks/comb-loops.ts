// Combinational loop check. A signal depends combinationally on every signal
// its driving expression reads, except through registers and synchronous
// memory reads, which break a path. An instance output depends on the
// instance inputs that reach it inside the child, which the child's own
// elaboration recorded (so a registered child breaks the path, as it should).

import { HdlError, formatLoc } from '../errors.ts';
import type { Expr, ModuleIR, Signal, SourceLoc } from '../ir.ts';

const portDependencies = new WeakMap<ModuleIR, Map<string, Set<string>>>();

/** Calls `visit` on every signal that `expr` reads combinationally. */
export function forEachRead(expr: Expr, visit: (signal: Signal) => void, seen = new Set<Expr>()): void {
  if (seen.has(expr)) {
    return;
  }
  seen.add(expr);
  switch (expr.kind) {
    case 'const':
      return;
    case 'ref':
      visit(expr.signal);
      return;
    case 'unary':
    case 'extend':
    case 'slice':
    case 'cast':
      forEachRead(expr.arg, visit, seen);
      return;
    case 'binary':
      forEachRead(expr.left, visit, seen);
      forEachRead(expr.right, visit, seen);
      return;
    case 'concat':
      for (const part of expr.parts) {
        forEachRead(part, visit, seen);
      }
      return;
    case 'mux':
      forEachRead(expr.sel, visit, seen);
      forEachRead(expr.whenTrue, visit, seen);
      forEachRead(expr.whenFalse, visit, seen);
      return;
    case 'memread':
      forEachRead(expr.addr, visit, seen);
      return;
  }
}

interface Edge {
  readonly to: Signal;
  readonly loc?: SourceLoc;
}

/** Builds, for each combinationally driven signal, the signals it reads and where. */
function buildGraph(module: ModuleIR): Map<Signal, Edge[]> {
  const graph = new Map<Signal, Edge[]>();
  for (const assign of module.assigns) {
    const edges: Edge[] = [];
    forEachRead(assign.value, (signal) => edges.push({ to: signal, loc: assign.loc }));
    graph.set(assign.target, edges);
  }
  for (const instance of module.instances) {
    const deps = portDependencies.get(instance.module) ?? new Map<string, Set<string>>();
    for (const [port, out] of instance.outputs) {
      const edges: Edge[] = [];
      for (const inputPort of deps.get(port) ?? []) {
        const wire = instance.inputs.get(inputPort);
        if (wire) {
          edges.push({ to: wire, loc: instance.loc });
        }
      }
      graph.set(out, edges);
    }
  }
  return graph;
}

/** Returns one COMBLOOP error per loop found, each listing the loop hop by hop. */
export function findCombinationalLoops(module: ModuleIR): HdlError[] {
  const graph = buildGraph(module);
  const state = new Map<Signal, 'active' | 'done'>();
  const errors: HdlError[] = [];
  const stack: { signal: Signal; loc?: SourceLoc }[] = [];

  const visit = (signal: Signal, loc?: SourceLoc): void => {
    const seen = state.get(signal);
    if (seen === 'done') {
      return;
    }
    if (seen === 'active') {
      const start = stack.findIndex((frame) => frame.signal === signal);
      const hops = stack.slice(start).map((frame) => `'${frame.signal.name}' (${formatLoc(frame.loc)})`);
      hops.push(`'${signal.name}'`);
      errors.push(new HdlError('COMBLOOP', `combinational loop in module '${module.name}': ${hops.join(' -> ')}; break it with a register`, stack[start].loc));
      return;
    }
    state.set(signal, 'active');
    stack.push({ signal, loc });
    for (const edge of graph.get(signal) ?? []) {
      stack[stack.length - 1] = { signal, loc: edge.loc };
      visit(edge.to, edge.loc);
    }
    stack.pop();
    state.set(signal, 'done');
  };

  for (const signal of module.signals) {
    visit(signal);
  }
  return errors;
}

/** Records which inputs of `module` reach each output combinationally, for parents' loop checks. */
export function recordPortDependencies(module: ModuleIR): void {
  const graph = buildGraph(module);
  const result = new Map<string, Set<string>>();
  for (const port of module.ports) {
    if (port.kind !== 'output') {
      continue;
    }
    const inputs = new Set<string>();
    const seen = new Set<Signal>();
    const pending: Signal[] = [port];
    while (pending.length > 0) {
      const signal = pending.pop() as Signal;
      if (seen.has(signal)) {
        continue;
      }
      seen.add(signal);
      if (signal.kind === 'input') {
        inputs.add(signal.name);
      }
      for (const edge of graph.get(signal) ?? []) {
        pending.push(edge.to);
      }
    }
    result.set(port.name, inputs);
  }
  portDependencies.set(module, result);
}
