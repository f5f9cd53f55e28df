// A signed multiply-accumulate unit: on each clock edge with `valid`, the
// accumulator adds a * b (or starts again from a * b with `clear`). The
// accumulator is sized by macAccumulatorWidth so that `terms` products of
// any values cannot overflow it.

import { Bool, Module, SInt, generator } from '../../dsl/index.ts';
import { macAccumulatorWidth } from '../../dsl/lib/index.ts';

export default generator('mac', { width: 8, terms: 128 }, ({ width, terms }) => {
  const accWidth = macAccumulatorWidth(width, width, terms);
  const m = new Module('mac', { width, terms });
  m.clock();
  const reset = m.input('reset', Bool);
  const valid = m.input('valid', Bool);
  const clear = m.input('clear', Bool);
  const a = m.input('a', SInt(width));
  const b = m.input('b', SInt(width));
  const acc = m.output('acc', SInt(accWidth));

  const sum = m.reg('sum', SInt(accWidth), { reset: { signal: reset, async: true } });
  const product = a.mul(b);
  m.when(valid, () => {
    m.when(clear, () => sum.set(product.resize(accWidth)))
      .otherwise(() => sum.set(sum.add(product).trunc(accWidth)));
  });
  acc.set(sum);
  return m;
});
