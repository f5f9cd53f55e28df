// A small hierarchy: the largest of four signed scores (an argmax tree
// instance) compared with a threshold (a comparator instance), with the
// result registered. The comparator module is emitted once although the
// design uses it twice.

import { Bool, Module, SInt, UInt, generator } from '../../dsl/index.ts';
import { argmaxTree, comparator, indexWidth } from '../../dsl/lib/index.ts';

export default generator('best_of_four', { width: 12 }, ({ width }) => {
  const count = 4;
  const m = new Module('best_of_four', { width });
  m.clock();
  const scores = Array.from({ length: count }, (_, i) => m.input(`score${i}`, SInt(width)));
  const threshold = m.input('threshold', SInt(width));
  const best = m.output('best', UInt(indexWidth(count)));
  const known = m.output('known', Bool);
  const tie = m.output('tie_with_threshold', Bool);

  const tree = m.instance('tree', argmaxTree(count, width, true));
  scores.forEach((score, i) => tree.input(`v${i}`).set(score));

  const above = m.instance('above', comparator(width, true));
  above.connect({ a: tree.output('value'), b: threshold });

  // A second instance of the same comparator: is the first score the threshold itself?
  const first = m.instance('first', comparator(width, true));
  first.connect({ a: scores[0], b: threshold });

  const bestReg = m.reg('best_q', UInt(indexWidth(count)));
  const knownReg = m.reg('known_q', Bool);
  bestReg.set(tree.output('index'));
  knownReg.set(above.output('gt').or(above.output('eq')));
  best.set(bestReg);
  known.set(knownReg);
  tie.set(first.output('eq'));
  return m;
});
