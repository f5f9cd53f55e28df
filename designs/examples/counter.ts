// An up-counter with an enable and a synchronous, active-high reset. It
// wraps from 2^width - 1 back to 0.

import { Bool, Module, UInt, generator } from '../../dsl/index.ts';

export default generator('counter', { width: 8 }, ({ width }) => {
  const m = new Module('counter', { width });
  const reset = m.input('reset', Bool);
  const enable = m.input('enable', Bool);
  const count = m.output('count', UInt(width));

  const value = m.reg('value', UInt(width), { init: 0, reset, enable });
  value.set(value.addWrap(1));
  count.set(value);
  return m;
});
