import type { ElementCtx } from '../../src/vmstate/types.js';

/** Records each leaf a custom codec writes or reads, with its offset and size (keys are relative to the element's path). */
export function leafRecorder(el: ElementCtx, offset: () => number) {
  return (keys: (string | number)[], io: () => unknown) => {
    const start = offset();
    io();
    el.ctx.record({ keys: [...el.at, ...keys], vmsd: el.vmsd.name, field: el.field.name, offset: start, size: offset() - start, what: 'field' });
  };
}
