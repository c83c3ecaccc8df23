/**
 * QEMU's fixed-size struct arrays over every virtqueue slot
 * (VMSTATE_STRUCT_VARRAY_POINTER_KNOWN(vq, …, VIRTIO_QUEUE_MAX, …) and
 * VMSTATE_STRUCT_ARRAY(vqs, …, VIRTIO_QUEUE_MAX, …)): 1024 elements on the
 * wire, nearly all of them zero.
 *
 * The model keeps such an array short: slots past its end hold the blank
 * element (QEMU's reset values for a queue the device does not have). A
 * load that brings a slot that differs from the blank past the end grows
 * the array up to it. The codec writes and reads
 * the elements' fields in a flat loop and records one leaf per field of
 * each slot the array holds, so a state costs what its live queues cost,
 * not 1024 struct walks.
 */
import type { Reader } from '../../src/wire/reader.js';
import { Writer } from '../../src/wire/writer.js';
import type { ElementCtx, State, VMStateInfo } from '../../src/vmstate/types.js';
import { sameRun } from './runs.js';

export type SlotKind = 'u8' | 'u16' | 'u32' | 'u64' | 'bool';

/** One field of the element VMSD: a scalar (or a fixed array of `count` scalars), or `unused` bytes. */
export type SlotField = { member: string; kind: SlotKind; count?: number } | { unused: number };

const SIZE: Record<SlotKind, number> = { u8: 1, u16: 2, u32: 4, u64: 8, bool: 1 };

function put(w: Writer, kind: SlotKind, v: unknown): void {
  switch (kind) {
    case 'u8':
      return w.u8(Number(v ?? 0));
    case 'u16':
      return w.u16(Number(v ?? 0));
    case 'u32':
      return w.u32(Number(v ?? 0));
    case 'u64':
      return w.u64(BigInt((v as bigint | number | undefined) ?? 0n));
    case 'bool':
      return w.u8(v ? 1 : 0);
  }
}

function get(r: Reader, kind: SlotKind): number | bigint | boolean {
  switch (kind) {
    case 'u8':
      return r.u8();
    case 'u16':
      return r.u16();
    case 'u32':
      return r.u32();
    case 'u64':
      return r.u64();
    case 'bool':
      return r.u8() !== 0;
  }
}

function sameBytes(buf: Uint8Array, at: number, want: Uint8Array): boolean {
  for (let i = 0; i < want.length; i++) if (buf[at + i] !== want[i]) return false;
  return true;
}

function allZero(buf: Uint8Array, at: number, n: number): boolean {
  const end = at + n;
  for (let i = at; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  return a === b;
}

export interface SlotArraySpec {
  /** The codec's type name (the element VMSD's name: `virtqueue_state` …). */
  name: string;
  /** Elements on the wire (VIRTIO_QUEUE_MAX). */
  slots: number;
  fields: SlotField[];
  /** A fresh element of the model's array (all members, not only these fields). */
  blank: () => State;
}

/** The codec for one such array field; its member is the model's (short) array. */
export function slotArrayInfo(spec: SlotArraySpec): VMStateInfo {
  const elemSize = spec.fields.reduce((n, f) => n + ('unused' in f ? f.unused : SIZE[f.kind] * (f.count ?? 1)), 0);
  const members = spec.fields.filter((f): f is Extract<SlotField, { member: string }> => !('unused' in f));
  const blank = spec.blank();
  const writeElement = (w: Writer, e: State) => {
    for (const f of spec.fields) {
      if ('unused' in f) w.zeros(f.unused);
      else if (f.count) {
        const vs = (e[f.member] as unknown[] | undefined) ?? [];
        for (let k = 0; k < f.count; k++) put(w, f.kind, vs[k]);
      } else put(w, f.kind, e[f.member]);
    }
  };
  const scratch = new Writer(elemSize);
  writeElement(scratch, blank);
  const blankBytes = scratch.finish();
  const blankIsZero = blankBytes.every((b) => b === 0);
  const record = (el: ElementCtx, i: number, start: number) => {
    let at = start;
    for (const f of spec.fields) {
      if ('unused' in f) {
        at += f.unused;
        continue;
      }
      const size = SIZE[f.kind] * (f.count ?? 1);
      el.ctx.record({ keys: [...el.at, i, f.member], vmsd: el.vmsd.name, field: el.field.name, offset: at, size, what: 'field' });
      at += size;
    }
  };
  const info: VMStateInfo = {
    name: spec.name,
    recordsOwnLeaves: true,
    put(w: Writer, value: unknown, el: ElementCtx) {
      const arr = (value as State[] | undefined) ?? [];
      const live = Math.min(arr.length, spec.slots);
      for (let i = 0; i < live; i++) {
        const start = w.offset;
        writeElement(w, arr[i]!);
        record(el, i, start);
      }
      if (blankIsZero) w.zeros((spec.slots - live) * elemSize);
      else for (let i = live; i < spec.slots; i++) w.bytes(blankBytes);
    },
    get(r: Reader, current: unknown, el: ElementCtx) {
      return readFrom(r, Array.isArray(current) ? (current as State[]) : [], el, 0);
    },
  };
  /** The slots from `from` on, into `arr` (which they may grow). */
  const readFrom = (r: Reader, arr: State[], el: ElementCtx, from: number): State[] => {
    for (let i = from; i < spec.slots; i++) {
      const start = r.offset;
      // past the array's end, slots that carry exactly the blank element's bytes read as the blank: skipped without building them
      if (i === arr.length && blankIsZero) {
        const tail = (spec.slots - i) * elemSize;
        if (r.remaining >= tail && allZero(r.buf, start, tail)) {
          r.skip(tail);
          break;
        }
      }
      if (i >= arr.length && r.remaining >= elemSize && sameBytes(r.buf, start, blankBytes)) {
        r.skip(elemSize);
        continue;
      }
      const read: Record<string, unknown> = {};
      for (const f of spec.fields) {
        if ('unused' in f) r.skip(f.unused, 'unused');
        else if (f.count) {
          const vs: unknown[] = [];
          for (let k = 0; k < f.count; k++) vs.push(get(r, f.kind));
          read[f.member] = vs;
        } else read[f.member] = get(r, f.kind);
      }
      if (i >= arr.length) {
        if (members.every((f) => same(read[f.member], blank[f.member]))) continue;
        while (arr.length <= i) arr.push(spec.blank());
      }
      Object.assign(arr[i]!, read);
      record(el, i, start);
    }
    return arr;
  };
  info.fast = slotArrayFast(spec, elemSize, blankBytes, info.put, readFrom, record);
  return info;
}

/** A run of `n` blank elements' bytes, for comparing a whole tail at once. */
function repeated(blank: Uint8Array, n: number): Buffer {
  const out = Buffer.alloc(blank.length * n);
  for (let i = 0; i < n; i++) out.set(blank, i * blank.length);
  return out;
}


/**
 * The compiled engine's put/get (VMStateInfo.fast) of a slot array: the
 * array's elements decoded and encoded straight off the buffer when the
 * whole element is there, the tail past the array compared with a run of
 * blank elements in one native compare; anything else (an element cut
 * short, a tail that is not all blank) goes to the reference get from that
 * element on, so that it fails or grows the array exactly as it does.
 */
function slotArrayFast(
  spec: SlotArraySpec,
  elemSize: number,
  blankBytes: Uint8Array,
  put: VMStateInfo['put'],
  readFrom: (r: Reader, arr: State[], el: ElementCtx, from: number) => State[],
  record: (el: ElementCtx, i: number, start: number) => void,
): NonNullable<VMStateInfo['fast']> {
  const blankTail = repeated(blankBytes, spec.slots);
  const fields = spec.fields;
  const decode = (view: DataView, at: number, e: State): void => {
    for (const f of fields) {
      if ('unused' in f) {
        at += f.unused;
        continue;
      }
      const n = f.count ?? 1;
      const vs: unknown[] | null = f.count ? [] : null;
      for (let k = 0; k < n; k++) {
        let v: number | bigint | boolean;
        switch (f.kind) {
          case 'u8':
            v = view.getUint8(at);
            break;
          case 'u16':
            v = view.getUint16(at);
            break;
          case 'u32':
            v = view.getUint32(at);
            break;
          case 'u64':
            v = view.getBigUint64(at);
            break;
          case 'bool':
            v = view.getUint8(at) !== 0;
            break;
        }
        at += SIZE[f.kind];
        if (vs) vs.push(v);
        else e[f.member] = v;
      }
      if (vs) e[f.member] = vs;
    }
  };
  return {
    put,
    get(r: Reader, current: unknown, el: ElementCtx) {
      const arr = Array.isArray(current) ? (current as State[]) : [];
      const live = Math.min(arr.length, spec.slots);
      const view = new DataView(r.buf.buffer, r.buf.byteOffset, r.buf.byteLength);
      const tracing = el.ctx.tracing !== false;
      let i = 0;
      for (; i < live && r.remaining >= elemSize; i++) {
        const start = r.offset;
        decode(view, start, arr[i]!);
        r.offset = start + elemSize;
        if (tracing) record(el, i, start);
      }
      if (i === live) {
        const tail = (spec.slots - i) * elemSize;
        if (r.remaining >= tail && sameRun(r.buf, r.offset, blankTail, tail)) {
          r.offset += tail;
          return arr;
        }
      }
      // the rest as the reference reads it: from element i of the same array
      return readFrom(r, arr, el, i);
    },
  };
}
