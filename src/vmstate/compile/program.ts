/**
 * A compiled program: every VMSD an engine's device reaches, compiled for
 * one set of resolved properties (and the release's JSON writer), each on
 * first use. Programs are cached by that key for the life of the process,
 * so the cases of a worker that share a release × machine type × device
 * compile once.
 */
import { latin1, type Reader } from '../../wire/reader.js';
import type { Writer } from '../../wire/writer.js';
import { elementCount } from '../field.js';
import { hookFailed, notAStruct, outputValidationFailed, saveField, shortArray } from '../save.js';
import {
  inputValidationFailed,
  loadField,
  loadHookFailed,
  unknownSubsection,
  versionTooNew,
  versionTooOld,
  wrap,
  stickyEio,
  varrayBeyondInput,
} from '../load.js';
import type { PathCtx, Props, State, VMStateDescription, VMStateField, VmCtx } from '../types.js';
import { emitLoad, emitSave, type Decider, type Refs } from './codegen.js';
import { probe, type Probed } from './probe.js';
import { typedTarget } from '../state.js';

export type SaveFn = (w: Writer, state: State, ctx: VmCtx, at: PathCtx) => void;
export type LoadFn = (r: Reader, state: State, version: number, ctx: VmCtx, at: PathCtx) => void;

/** The helpers emitted code calls: the interpreter's own pieces. */
const H = {
  elementCount,
  hookFailed,
  notAStruct,
  outputValidationFailed,
  saveField,
  shortArray,
  inputValidationFailed,
  loadField,
  loadHookFailed,
  unknownSubsection,
  versionTooNew,
  versionTooOld,
  wrap,
  latin1,
  stickyEio,
  varrayBeyondInput,
  typedTarget,
};

/** A nested VMSD's entry points, filled on first call (cycles and unreached branches cost nothing). */
interface Link {
  save: SaveFn;
  load: LoadFn;
}

export class Program implements Decider {
  private readonly saves = new Map<VMStateDescription, Map<number, SaveFn>>();
  private readonly loads = new Map<VMStateDescription, LoadFn>();
  private readonly exists = new Map<VMStateField, Map<number, Probed>>();
  private readonly neededs = new Map<VMStateDescription, Probed>();
  /** VMSDs compiled so far (for benches and tests). */
  compiled = 0;

  constructor(
    readonly props: Props,
    readonly vmdescArrays: VmCtx['vmdescArrays'],
  ) {}

  saveExists(f: VMStateField, version: number): Probed {
    if (!f.field_exists) return { constant: true, value: f.version_id <= version };
    let m = this.exists.get(f);
    if (!m) this.exists.set(f, (m = new Map()));
    let p = m.get(version);
    if (!p) m.set(version, (p = probe(this.props, this.vmdescArrays, (s, c) => f.field_exists!(s, version, c))));
    return p;
  }

  needed(sub: VMStateDescription): Probed {
    let p = this.neededs.get(sub);
    if (!p) this.neededs.set(sub, (p = probe(this.props, this.vmdescArrays, (s, c) => sub.needed!(s, c))));
    return p;
  }

  save(vmsd: VMStateDescription, version: number): SaveFn {
    let m = this.saves.get(vmsd);
    if (!m) this.saves.set(vmsd, (m = new Map()));
    let fn = m.get(version);
    if (!fn) {
      const { source, refs } = emitSave(vmsd, version, this);
      fn = this.link(source, refs, ['w', 'state', 'ctx', 'at'], `save_${vmsd.name}_v${version}`) as SaveFn;
      m.set(version, fn);
    }
    return fn;
  }

  load(vmsd: VMStateDescription): LoadFn {
    let fn = this.loads.get(vmsd);
    if (!fn) {
      const { source, refs } = emitLoad(vmsd);
      fn = this.link(source, refs, ['r', 'state', 'version', 'ctx', 'at'], `load_${vmsd.name}`) as LoadFn;
      this.loads.set(vmsd, fn);
    }
    return fn;
  }

  private link(source: string, refs: Refs, params: string[], name: string): (...args: never[]) => void {
    const N: Link[] = refs.nested.map(({ vmsd, version }) => {
      const link: Link = {
        save: (w, s, c, at) => {
          link.save = this.save(vmsd, version);
          link.save(w, s, c, at);
        },
        load: (r, s, v, c, at) => {
          link.load = this.load(vmsd);
          link.load(r, s, v, c, at);
        },
      };
      return link;
    });
    this.compiled++;
    const fnName = name.replace(/[^A-Za-z0-9_]/g, '_');
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const make = new Function('K', 'N', 'H', `return function ${fnName}(${params.join(', ')}) {\n${source}\n};`);
    return make(refs.consts, N, H) as (...args: never[]) => void;
  }
}

const programs = new Map<string, Program>();

/** The program for these resolved properties; one per distinct set in a process. */
export function programFor(props: Props, vmdescArrays: VmCtx['vmdescArrays']): Program {
  const key = propsKey(props, vmdescArrays);
  let p = programs.get(key);
  if (!p) programs.set(key, (p = new Program(props, vmdescArrays)));
  return p;
}

/** A string that identifies a set of resolved properties (and the JSON writer). */
export function propsKey(props: Props, vmdescArrays: VmCtx['vmdescArrays'] = undefined): string {
  let k = `${vmdescArrays ?? ''}`;
  for (const name of Object.keys(props).sort()) {
    const v = props[name];
    k += `\0${name}=${typeof v === 'bigint' ? `${v}n` : typeof v === 'string' ? `'${v}` : String(v)}`;
  }
  return k;
}
