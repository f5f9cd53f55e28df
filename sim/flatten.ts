// Flattens a module hierarchy into one instance-free netlist.
//
// - A signal inside an instance is named by the instance path and its own
//   name, joined with dots (`core.alu.sum`); top-level signals keep their
//   names. Memories are named the same way.
// - Each instance input becomes a continuous assign from the parent signal to
//   the child's input, which turns into a wire. Each connected child output
//   drives the parent's instout signal through another assign. Both assigns
//   are marked as port connections and carry the instance's source location.
// - Every signal, assign, register and memory keeps its `loc`, so a report
//   can name the TypeScript line that drives a signal.
// - A module instantiated twice gets two independent copies of its signals,
//   registers and memories.

import { sameType, typeName } from '../compiler/ir.ts';
import type {
  Assign, Expr, Instance, Memory, MemReadPort, MemWritePort, ModuleIR, Register, Signal, SourceLoc,
} from '../compiler/ir.ts';
import { SimError } from './errors.ts';

export interface FlatSignal extends Signal {
  /** Instance names from the top module down to the declaring module; empty at the top. */
  readonly path: readonly string[];
  /** The name inside the declaring module. */
  readonly localName: string;
}

export interface FlatMemory extends Memory {
  readonly path: readonly string[];
  readonly localName: string;
}

export interface FlatAssign extends Assign {
  readonly target: FlatSignal;
  /** Set on the assigns that flattening adds for instance ports. */
  readonly connection?: { readonly instance: string; readonly port: string; readonly direction: 'input' | 'output' };
}

export interface FlatNetlist {
  readonly top: ModuleIR;
  readonly signals: readonly FlatSignal[];
  readonly assigns: readonly FlatAssign[];
  readonly registers: readonly Register[];
  readonly memories: readonly FlatMemory[];
  /** Every instance path, parents before children, the top module's (empty) path first. */
  readonly instancePaths: readonly (readonly string[])[];
}

export function flatten(top: ModuleIR): FlatNetlist {
  const builder = new NetlistBuilder(top);
  builder.addModule(top, []);
  return builder.result();
}

interface ModuleMaps {
  readonly signals: Map<Signal, FlatSignal>;
  readonly memories: Map<Memory, FlatMemory>;
  readonly module: ModuleIR;
}

// Mutable versions of the readonly IR types, used while ports are filled in.
interface MutableMemory extends FlatMemory {
  writePorts: MemWritePort[];
  readPorts: MemReadPort[];
}

class NetlistBuilder {
  private readonly signals: FlatSignal[] = [];
  private readonly assigns: FlatAssign[] = [];
  private readonly registers: Register[] = [];
  private readonly memories: FlatMemory[] = [];
  private readonly instancePaths: (readonly string[])[] = [];
  private readonly signalNames = new Set<string>();
  private readonly memoryNames = new Set<string>();

  constructor(private readonly top: ModuleIR) {}

  result(): FlatNetlist {
    return {
      top: this.top,
      signals: this.signals,
      assigns: this.assigns,
      registers: this.registers,
      memories: this.memories,
      instancePaths: this.instancePaths,
    };
  }

  /** Adds one module's contents under `path` and returns how its IR objects map to flat ones. */
  addModule(module: ModuleIR, path: readonly string[]): ModuleMaps {
    this.instancePaths.push(path);
    const maps: ModuleMaps = { signals: new Map(), memories: new Map(), module };

    this.addSignals(module, path, maps);
    this.addMemoryShells(module, path, maps);

    for (const assign of module.assigns) {
      this.assigns.push({
        target: this.mapSignal(assign.target, maps, assign.loc),
        value: this.mapExpr(assign.value, maps),
        loc: assign.loc,
      });
    }

    for (const register of module.registers) {
      this.registers.push(this.mapRegister(register, maps));
    }

    for (const memory of module.memories) {
      this.fillMemoryPorts(memory, maps);
    }

    for (const instance of module.instances) {
      this.addInstance(instance, path, maps);
    }
    return maps;
  }

  private addSignals(module: ModuleIR, path: readonly string[], maps: ModuleMaps): void {
    // Ports are listed in `signals` too; taking both tolerates IR that lists a port only once.
    for (const signal of [...module.signals, ...module.ports]) {
      if (maps.signals.has(signal)) {
        continue;
      }
      const name = qualify(path, signal.name);
      if (this.signalNames.has(name)) {
        throw new SimError(`two signals are both named '${name}' after flattening`, signal.loc);
      }
      this.signalNames.add(name);

      // Inside an instance an input is driven by its connection, like a wire.
      const kind = path.length > 0 && signal.kind === 'input' ? 'wire' : signal.kind;
      const flat: FlatSignal = { name, type: signal.type, kind, loc: signal.loc, path, localName: signal.name };
      this.signals.push(flat);
      maps.signals.set(signal, flat);
    }
  }

  private addMemoryShells(module: ModuleIR, path: readonly string[], maps: ModuleMaps): void {
    for (const memory of module.memories) {
      const name = qualify(path, memory.name);
      if (this.memoryNames.has(name)) {
        throw new SimError(`two memories are both named '${name}' after flattening`, memory.loc);
      }
      this.memoryNames.add(name);

      // Ports are filled in later because their expressions may read this memory.
      const flat: MutableMemory = {
        ...memory,
        name,
        path,
        localName: memory.name,
        writePorts: [],
        readPorts: [],
      };
      this.memories.push(flat);
      maps.memories.set(memory, flat);
    }
  }

  private fillMemoryPorts(memory: Memory, maps: ModuleMaps): void {
    const flat = maps.memories.get(memory) as MutableMemory;
    for (const port of memory.writePorts) {
      flat.writePorts.push({
        clock: this.mapSignal(port.clock, maps, port.loc),
        enable: this.mapExpr(port.enable, maps),
        addr: this.mapExpr(port.addr, maps),
        data: this.mapExpr(port.data, maps),
        loc: port.loc,
      });
    }
    for (const port of memory.readPorts) {
      flat.readPorts.push({
        clock: this.mapSignal(port.clock, maps, port.loc),
        enable: port.enable && this.mapExpr(port.enable, maps),
        addr: this.mapExpr(port.addr, maps),
        data: this.mapSignal(port.data, maps, port.loc),
        loc: port.loc,
      });
    }
  }

  private mapRegister(register: Register, maps: ModuleMaps): Register {
    const { reset } = register;
    return {
      signal: this.mapSignal(register.signal, maps, register.loc),
      clock: this.mapSignal(register.clock, maps, register.loc),
      next: this.mapExpr(register.next, maps),
      enable: register.enable && this.mapExpr(register.enable, maps),
      reset: reset && { ...reset, signal: this.mapSignal(reset.signal, maps, register.loc) },
      init: register.init,
      loc: register.loc,
    };
  }

  private addInstance(instance: Instance, path: readonly string[], parent: ModuleMaps): void {
    const childPath = [...path, instance.name];
    const instanceName = childPath.join('.');
    const child = this.addModule(instance.module, childPath);
    const childPorts = new Map(instance.module.ports.map((port) => [port.name, port]));

    for (const name of [...instance.inputs.keys(), ...instance.outputs.keys()]) {
      if (!childPorts.has(name)) {
        throw new SimError(
          `instance '${instanceName}' connects '${name}', which is not a port of module '${instance.module.name}'`,
          instance.loc,
        );
      }
    }

    for (const port of instance.module.ports) {
      const childSignal = this.mapSignal(port, child, instance.loc);
      const direction = port.kind === 'input' ? 'input' : 'output';
      const parentEnd = direction === 'input' ? instance.inputs.get(port.name) : instance.outputs.get(port.name);

      if (parentEnd === undefined) {
        if (direction === 'input') {
          throw new SimError(`input '${port.name}' of instance '${instanceName}' is not connected`, instance.loc);
        }
        continue;
      }

      const parentSignal = this.mapSignal(parentEnd, parent, instance.loc);
      checkConnectionType(instanceName, port, parentSignal, instance.loc);
      const [target, source] = direction === 'input' ? [childSignal, parentSignal] : [parentSignal, childSignal];
      this.assigns.push({
        target,
        value: { kind: 'ref', type: source.type, signal: source, loc: instance.loc },
        loc: instance.loc,
        connection: { instance: instanceName, port: port.name, direction },
      });
    }
  }

  private mapSignal(signal: Signal, maps: ModuleMaps, loc: SourceLoc | undefined): FlatSignal {
    const flat = maps.signals.get(signal);
    if (flat === undefined) {
      throw new SimError(
        `signal '${signal.name}' is used in module '${maps.module.name}' but is not among its signals`,
        loc ?? signal.loc,
      );
    }
    return flat;
  }

  private mapExpr(expr: Expr, maps: ModuleMaps): Expr {
    switch (expr.kind) {
      case 'const':
        return expr;
      case 'ref':
        return { ...expr, signal: this.mapSignal(expr.signal, maps, expr.loc) };
      case 'unary':
      case 'extend':
      case 'slice':
      case 'cast':
        return { ...expr, arg: this.mapExpr(expr.arg, maps) };
      case 'binary':
        return { ...expr, left: this.mapExpr(expr.left, maps), right: this.mapExpr(expr.right, maps) };
      case 'concat':
        return { ...expr, parts: expr.parts.map((part) => this.mapExpr(part, maps)) };
      case 'mux':
        return {
          ...expr,
          sel: this.mapExpr(expr.sel, maps),
          whenTrue: this.mapExpr(expr.whenTrue, maps),
          whenFalse: this.mapExpr(expr.whenFalse, maps),
        };
      case 'memread': {
        const memory = maps.memories.get(expr.memory);
        if (memory === undefined) {
          throw new SimError(
            `memory '${expr.memory.name}' is read in module '${maps.module.name}' but is not among its memories`,
            expr.loc,
          );
        }
        return { ...expr, memory, addr: this.mapExpr(expr.addr, maps) };
      }
    }
  }
}

function qualify(path: readonly string[], name: string): string {
  return path.length === 0 ? name : `${path.join('.')}.${name}`;
}

function checkConnectionType(instance: string, port: Signal, parentSignal: Signal, loc: SourceLoc | undefined): void {
  if (!sameType(port.type, parentSignal.type)) {
    throw new SimError(
      `port '${port.name}' of instance '${instance}' is ${typeName(port.type)} ` +
        `but is connected to '${parentSignal.name}' of type ${typeName(parentSignal.type)}`,
      loc,
    );
  }
}
