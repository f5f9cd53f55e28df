// Orders combinational updates so that each runs after every update that
// produces one of its inputs (Kahn's algorithm), once, when a simulator is
// built. Inputs that no node produces (ports, registers, memdata) are state
// and impose no order. A cycle is reported with the signals on it.

import type { SourceLoc } from '../compiler/ir.ts';
import { formatLoc } from '../compiler/errors.ts';
import { SimError } from './errors.ts';

export interface CombNode {
  /** Slot of the signal this node writes. */
  readonly output: number;
  /** Slots of the signals this node reads. */
  readonly inputs: readonly number[];
  readonly loc?: SourceLoc;
  readonly update: () => void;
}

export function orderCombinational(nodes: readonly CombNode[], nameOf: (slot: number) => string): CombNode[] {
  const producerOf = new Map<number, number>();
  nodes.forEach((node, index) => producerOf.set(node.output, index));

  const consumers: number[][] = nodes.map(() => []);
  const unresolved = nodes.map(() => 0);
  nodes.forEach((node, index) => {
    for (const input of new Set(node.inputs)) {
      const producer = producerOf.get(input);
      if (producer !== undefined) {
        consumers[producer].push(index);
        unresolved[index]++;
      }
    }
  });

  const ready = nodes.map((_, index) => index).filter((index) => unresolved[index] === 0);
  const order: CombNode[] = [];
  while (ready.length > 0) {
    const index = ready.pop()!;
    order.push(nodes[index]);
    for (const consumer of consumers[index]) {
      unresolved[consumer]--;
      if (unresolved[consumer] === 0) {
        ready.push(consumer);
      }
    }
  }

  if (order.length < nodes.length) {
    const loop = findLoop(nodes, producerOf, unresolved);
    const names = loop.map((index) => `${nameOf(nodes[index].output)} (${formatLoc(nodes[index].loc)})`);
    throw new SimError(
      `combinational loop: ${names.join(' -> ')} -> ${nameOf(nodes[loop[0]].output)}; ` +
        'break it with a register',
      nodes[loop[0]].loc,
    );
  }
  return order;
}

// Walks backwards from a node left unordered; every such node has an
// unordered producer, so the walk must revisit a node, which closes a loop.
function findLoop(nodes: readonly CombNode[], producerOf: Map<number, number>, unresolved: readonly number[]): number[] {
  const path: number[] = [];
  const position = new Map<number, number>();
  let current = unresolved.findIndex((count) => count > 0);

  while (!position.has(current)) {
    position.set(current, path.length);
    path.push(current);
    const next = nodes[current].inputs
      .map((input) => producerOf.get(input))
      .find((producer) => producer !== undefined && unresolved[producer] > 0);
    current = next!;
  }

  // The path was walked from consumer to producer; reverse it to read in signal-flow order.
  return path.slice(position.get(current)).reverse();
}
