// The registers and memory ports that one clock updates, and the update
// they make on its rising edge.
//
// An edge is applied in two phases, so every domain that rises at the same
// moment reads the values from before any of them changed. `prepareEdge`
// evaluates every next value, read data and write, and the function it
// returns stores them. Synchronous reads therefore return memory as it was
// before this edge's writes (read-before-write).

import type { Memory, MemReadPort, MemWritePort, Register, Signal, SourceLoc } from '../compiler/ir.ts';
import type { CompiledExpr } from './evaluate.ts';

export interface CompiledRegister {
  readonly slot: number;
  readonly clock: Signal;
  readonly loc?: SourceLoc;
  readonly init: bigint;
  readonly next: CompiledExpr;
  readonly enable?: CompiledExpr;
  readonly resetActive?: () => boolean;
  /** The IR register, which the compiled back end generates code from. */
  readonly source: Register;
}

export interface CompiledReadPort {
  /** Slot of the memdata signal that receives the word. */
  readonly slot: number;
  readonly clock: Signal;
  readonly loc?: SourceLoc;
  readonly words: bigint[];
  readonly enable?: CompiledExpr;
  readonly addr: CompiledExpr;
  readonly memory: Memory;
  readonly source: MemReadPort;
}

export interface CompiledWritePort {
  readonly clock: Signal;
  readonly loc?: SourceLoc;
  readonly words: bigint[];
  readonly enable: CompiledExpr;
  readonly addr: CompiledExpr;
  readonly data: CompiledExpr;
  readonly memory: Memory;
  readonly source: MemWritePort;
}

export class ClockDomain {
  readonly registers: CompiledRegister[] = [];
  readonly readPorts: CompiledReadPort[] = [];
  readonly writePorts: CompiledWritePort[] = [];

  /** `clockSlot` is the slot of the input or register that the clock comes from. */
  constructor(readonly clockSlot: number) {}

  /** Evaluates this domain's rising edge from `values` and returns the function that applies it. */
  prepareEdge(values: bigint[]): () => void {
    const registerValues = this.registers.map((register) => nextRegisterValue(register, values));

    const readValues = this.readPorts.map((port) => {
      if (port.enable && port.enable() === 0n) {
        return values[port.slot];
      }
      const index = port.addr();
      return index < BigInt(port.words.length) ? port.words[Number(index)] : 0n;
    });

    const writes: { words: bigint[]; index: number; data: bigint }[] = [];
    for (const port of this.writePorts) {
      if (port.enable() === 0n) {
        continue;
      }
      const index = port.addr();
      if (index < BigInt(port.words.length)) {
        writes.push({ words: port.words, index: Number(index), data: port.data() });
      }
    }

    return () => {
      this.registers.forEach((register, i) => {
        values[register.slot] = registerValues[i];
      });
      this.readPorts.forEach((port, i) => {
        values[port.slot] = readValues[i];
      });
      // When two ports write one address on the same edge, the port listed
      // later wins, as in the emitted Verilog, which writes the ports of one
      // clock in one always block in port order. NOTE: ports on two input
      // clocks (which rise together here) are separate always blocks, whose
      // order Verilog leaves undefined.
      for (const write of writes) {
        write.words[write.index] = write.data;
      }
    };
  }
}

/** Applies the rising edge of every domain in `domains` at once. */
export function applyEdges(domains: Iterable<ClockDomain>, values: bigint[]): void {
  const commits = [...domains].map((domain) => domain.prepareEdge(values));
  for (const commit of commits) {
    commit();
  }
}

// A reset, synchronous or asynchronous, takes priority over the enable.
function nextRegisterValue(register: CompiledRegister, values: readonly bigint[]): bigint {
  if (register.resetActive?.()) {
    return register.init;
  }
  if (register.enable && register.enable() === 0n) {
    return values[register.slot];
  }
  return register.next();
}
