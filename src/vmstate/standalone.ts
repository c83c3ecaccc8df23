import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { loadVmsd } from './load.js';
import { saveVmsd } from './save.js';
import type { Props, State, TraceEntry, VMStateDescription, VmCtx } from './types.js';

/**
 * QEMU's vmstate_save_state / vmstate_load_state on their own, outside any
 * section: the bytes one VMSD writes for one struct, as QEMU's own unit
 * tests of the engine (tests/unit/test-vmstate.c) exercise it.
 */
export interface StandaloneOptions {
  /** Properties the VMSD's tests and hooks read through ctx.props. */
  props?: Props;
  /** Receives every leaf the save or load records. */
  record?: (entry: TraceEntry) => void;
}

function standaloneCtx(device: State, opts: StandaloneOptions): VmCtx {
  const ctx: VmCtx = {
    props: opts.props ?? {},
    device,
    saveNested: (w, vmsd, state, version, at, desc) => saveVmsd(w, vmsd, state, version, ctx, at, desc ?? null),
    loadNested: (r, vmsd, state, version, at) => loadVmsd(r, vmsd, state, version, ctx, at),
    record: opts.record ?? (() => {}),
  };
  return ctx;
}

/** The bytes `vmsd` writes for `state` at its own version (no section header, no footer). */
export function vmstate_save_state(vmsd: VMStateDescription, state: State, opts: StandaloneOptions = {}): Uint8Array {
  const w = new Writer();
  saveVmsd(w, vmsd, state, vmsd.version_id, standaloneCtx(state, opts), [], null);
  return w.finish();
}

/**
 * Loads `bytes` into `state` (in place: it is the destination's struct
 * before the load) at `version`; returns how many bytes the load consumed.
 * Throws the VmError QEMU's load would fail with.
 */
export function vmstate_load_state(bytes: Uint8Array, vmsd: VMStateDescription, state: State, version: number, opts: StandaloneOptions = {}): number {
  const r = new Reader(bytes);
  loadVmsd(r, vmsd, state, version, standaloneCtx(state, opts), []);
  return r.offset;
}
