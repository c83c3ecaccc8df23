/**
 * A device's reset state, built once and copied, or built afresh each time,
 * whichever is cheaper for that device: a register file of 32 K words copies
 * faster than it builds, a tree of 2,000 small members builds faster than it
 * copies. The first few loads of a device class × properties time both ways
 * (in turn, so that a busy machine slows both alike) and the rest use the
 * faster. Either way the state is the same.
 */
import { cloneState } from '../vmstate/state.js';
import type { Props, State } from '../vmstate/types.js';
import { propsKey } from '../vmstate/compile/program.js';
import type { DeviceClass } from './types.js';

const TRIALS = 4;

interface Plan {
  base: State;
  built: number;
  copied: number;
  trials: number;
}

const plans = new WeakMap<DeviceClass, Map<string, Plan>>();

export function freshReset(cls: DeviceClass, props: Props): State {
  let byProps = plans.get(cls);
  if (!byProps) plans.set(cls, (byProps = new Map()));
  const key = propsKey(props);
  let p = byProps.get(key);
  if (!p) {
    p = { base: cls.reset(props), built: 0, copied: 0, trials: 0 };
    byProps.set(key, p);
  }
  if (p.trials < 2 * TRIALS) {
    const copy = p.trials++ % 2 === 1;
    const t0 = performance.now();
    const s = copy ? cloneState(p.base) : cls.reset(props);
    const dt = performance.now() - t0;
    if (copy) p.copied += dt;
    else p.built += dt;
    return s;
  }
  return p.copied < p.built ? cloneState(p.base) : cls.reset(props);
}
