/**
 * For tests: one VMSD saved and loaded alone, by the interpreter and by the
 * compiled engine, with a bare context (no properties, nested VMSDs run by
 * the interpreter), so that a test holds the two to the same bytes and states.
 */
import { Reader } from '../wire/reader.js';
import { Writer } from '../wire/writer.js';
import { programFor } from './compile/program.js';
import { loadVmsd } from './load.js';
import { saveVmsd } from './save.js';
import type { Props, State, VMStateDescription, VmCtx } from './types.js';

/** A context whose nested VMSDs run by the interpreter, with these properties and (given) how the JSON description writes arrays. */
export function vmsdCtx(props: Props, device: State, vmdescArrays?: VmCtx['vmdescArrays']): VmCtx {
  const ctx: VmCtx = {
    props,
    device,
    ...(vmdescArrays ? { vmdescArrays } : {}),
    saveNested: (w, vmsd, state, version, at, desc) => saveVmsd(w, vmsd, state, version, ctx, at, desc ?? null),
    loadNested: (r, vmsd, state, version, at) => loadVmsd(r, vmsd, state, version, ctx, at),
    record: () => {},
  };
  return ctx;
}

export const bareCtx = (device: State): VmCtx => vmsdCtx({}, device);

export interface VmsdEngine {
  load(vmsd: VMStateDescription, bytes: Uint8Array, state: State): void;
  save(vmsd: VMStateDescription, state: State): Uint8Array;
}

export const bothEngines: Record<'interpreter' | 'compiled', VmsdEngine> = {
  interpreter: {
    load: (vmsd, bytes, state) => void loadVmsd(new Reader(bytes), vmsd, state, vmsd.version_id, bareCtx(state), []),
    save: (vmsd, state) => {
      const w = new Writer();
      saveVmsd(w, vmsd, state, vmsd.version_id, bareCtx(state), [], null);
      return w.finish();
    },
  },
  compiled: {
    load: (vmsd, bytes, state) => void programFor({}, undefined).load(vmsd)(new Reader(bytes), state, vmsd.version_id, bareCtx(state), []),
    save: (vmsd, state) => {
      const w = new Writer();
      programFor({}, undefined).save(vmsd, vmsd.version_id)(w, state, bareCtx(state), []);
      return w.finish();
    },
  },
};
