/**
 * A device's reset state, built once and copied, or built afresh each time,
 * whichever is cheaper for that device: a register file of 32 K words copies
 * faster than it builds, a tree of 2,000 small members builds faster than it
 * copies. The first few loads of a device class × properties time both ways
 * (in turn, so that a busy machine slows both alike) and the rest use the
 * faster. Either way the state is the same.
 */
import type { Props, State } from '../vmstate/types.js';
import { propsKey } from '../vmstate/compile/program.js';
import { clonerFor, type Cloner } from '../vmstate/compile/clone.js';
import type { Equal } from '../vmstate/compile/covered.js';
import { coveredFor } from '../vmstate/compile/covered.js';
import type { DeviceClass } from './types.js';

const TRIALS = 4;

interface Plan {
  base: State;
  /** cloneState by code written for the reset state's shape (compile/clone.ts). */
  clone: Cloner;
  /** coveredEqual for states this device sends, by code written for its VMSD and reset state's shape (compile/covered.ts); built on first use. */
  covered: Equal | null;
  built: number;
  copied: number;
  trials: number;
}

const plans = new WeakMap<DeviceClass, Map<string, Plan>>();
/** The plan of a resolved property set already seen (an engine's instance keeps its props object): no key string per load. */
const byObject = new WeakMap<DeviceClass, WeakMap<Props, Plan>>();

function planOf(cls: DeviceClass, props: Props): Plan {
  let seen = byObject.get(cls);
  if (!seen) byObject.set(cls, (seen = new WeakMap()));
  let p = seen.get(props);
  if (p) return p;
  let byProps = plans.get(cls);
  if (!byProps) plans.set(cls, (byProps = new Map()));
  const key = propsKey(props);
  p = byProps.get(key);
  if (!p) {
    const base = cls.reset(props);
    p = { base, clone: clonerFor(base), covered: null, built: 0, copied: 0, trials: 0 };
    byProps.set(key, p);
  }
  seen.set(props, p);
  return p;
}

export function freshReset(cls: DeviceClass, props: Props): State {
  const p = planOf(cls, props);
  if (p.trials < 2 * TRIALS) {
    const copy = p.trials++ % 2 === 1;
    const t0 = performance.now();
    const s = copy ? p.clone(p.base) : cls.reset(props);
    const dt = performance.now() - t0;
    if (copy) p.copied += dt;
    else p.built += dt;
    return s;
  }
  return p.copied < p.built ? p.clone(p.base) : cls.reset(props);
}

/** cloneState for states of this device class and properties, by code written for their reset state's shape. */
export function stateCloner(cls: DeviceClass, props: Props): Cloner {
  return planOf(cls, props).clone;
}

/**
 * coveredEqual for states this device class with these properties sends:
 * the received state agrees on every member the sent state covers (see
 * compile/covered.ts), by code written for its reset state's shape.
 */
export function stateCoverer(cls: DeviceClass, props: Props): Equal {
  const p = planOf(cls, props);
  return (p.covered ??= coveredFor(cls.vmsd, p.base));
}
