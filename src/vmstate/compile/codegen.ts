/**
 * Emits the straight-line save and load of one VMSD as JavaScript source
 * (run through `new Function` by program.ts). Each field becomes the code
 * the interpreter's walk would run for it (src/vmstate/save.ts, load.ts):
 * primitive scalars and arrays of them written out with their codec
 * inlined, structs as calls into the nested VMSD's compiled code, a
 * custom codec's one element (containers and WITH_TMP too) as a direct
 * call of the codec — of its `fast` put/get when it has them — and every
 * other construct (arrays of custom codecs, null pointers, VBUFFER) as a
 * call to the interpreter's own field function, so that nothing is done
 * differently. Tests decided at compile time (probe.ts) leave no code;
 * the others stay calls.
 */
import * as F from '../flags.js';
import { isArrayField, isPlainArray, isStruct, nestedVersion } from '../field.js';
import type { VMStateDescription, VMStateField } from '../types.js';
import { INLINE } from './inline.js';
import { vmstate_info_unused_buffer } from '../info.js';
import type { Probed } from './probe.js';

/** What the emitted code refers to: constants (`K[i]`) and nested VMSDs' code (`N[i].save` / `N[i].load`). */
export interface Refs {
  consts: unknown[];
  nested: { vmsd: VMStateDescription; version: number }[];
}

export interface Decider {
  /** A field's existence on save at `version`, or null when it depends on the state. */
  saveExists(f: VMStateField, version: number): Probed;
  needed(sub: VMStateDescription): Probed;
}

class Emitter {
  readonly refs: Refs = { consts: [], nested: [] };
  private readonly constIndex = new Map<unknown, number>();
  k(v: unknown): string {
    let i = this.constIndex.get(v);
    if (i === undefined) {
      i = this.refs.consts.push(v) - 1;
      this.constIndex.set(v, i);
    }
    return `K[${i}]`;
  }
  nested(vmsd: VMStateDescription, version: number): string {
    let i = this.refs.nested.findIndex((n) => n.vmsd === vmsd && n.version === version);
    if (i < 0) i = this.refs.nested.push({ vmsd, version }) - 1;
    return `N[${i}]`;
  }
}

const q = JSON.stringify;

/** How the compiler treats a field. */
type Shape = 'scalar' | 'scalar-array' | 'struct' | 'struct-array' | 'codec' | 'interpreted';

export function shapeOf(f: VMStateField): Shape {
  if (f.flags & (F.VMS_VBUFFER | F.VMS_ARRAY_OF_POINTER)) return 'interpreted';
  if (isStruct(f)) {
    if (f.member === null) return 'interpreted';
    if (!f.vmsd) return 'interpreted';
    return isArrayField(f) ? 'struct-array' : 'struct';
  }
  if (!f.info) return 'interpreted';
  // one element of a custom codec (a field over the whole struct too): a direct call, its fast path when it has one
  if (!INLINE.has(f.info)) return isArrayField(f) ? 'interpreted' : 'codec';
  if (f.member === null) return 'interpreted';
  if (isArrayField(f)) return isPlainArray(f) ? 'scalar-array' : 'interpreted';
  return 'scalar';
}

/** The put/get a one-element codec field is run with: the codec's fast path, else its own. */
function codecOf(e: Emitter, f: VMStateField): string {
  return e.k(f.info!.fast ?? f.info!);
}

/** The element count expression (elementCount's rules). */
function count(e: Emitter, f: VMStateField, V: string): string {
  if (f.flags & F.VMS_ARRAY) return String(Math.max(0, f.num ?? 0));
  return `H.elementCount(${e.k(f)}, state, ${V})`;
}

function recordLeaf(e: Emitter, vmsd: VMStateDescription, f: VMStateField, keys: string, start: string, end: string): string {
  return `if (T) ctx.record({ keys: ${keys}, vmsd: ${q(vmsd.name)}, field: ${q(f.name)}, offset: ${start}, size: ${end} - ${start}, what: 'field' });`;
}

/** `function (w, state, ctx, at)`: vmsd saved at `version` (no JSON description: a described save runs on the interpreter). */
export function emitSave(vmsd: VMStateDescription, version: number, d: Decider): { source: string; refs: Refs } {
  const e = new Emitter();
  const V = e.k(vmsd);
  const body: string[] = [];
  vmsd.fields.forEach((f) => {
    const code = saveField(e, vmsd, f, V);
    const Fk = e.k(f);
    const missing = f.flags & F.VMS_MUST_EXIST ? `throw H.outputValidationFailed(${V}, ${Fk}, at);` : '';
    const exists = d.saveExists(f, version);
    if (exists.constant) {
      body.push(exists.value ? code : missing);
    } else {
      body.push(`if (${Fk}.field_exists(state, ${version}, ctx)) { ${code} } else { ${missing} }`);
    }
  });
  (vmsd.subsections ?? []).forEach((sub) => {
    const needed = sub.needed ? d.needed(sub) : ({ constant: true, value: true } as const);
    if (needed.constant && !needed.value) return;
    const S = e.k(sub);
    const name = e.k(Uint8Array.from(sub.name, (c) => c.charCodeAt(0) & 0xff));
    const code = [
      `{ const s0 = w.offset; w.u8(${0x05}); w.u8(${name}.length); w.bytes(${name}); w.u32(${sub.version_id});`,
      `if (T) ctx.record({ keys: [...at, ${q(`{${sub.name}}`)}], vmsd: ${q(sub.name)}, field: '', offset: s0, size: w.offset - s0, what: 'subsection' });`,
      `${e.nested(sub, sub.version_id)}.save(w, state, ctx, at); }`,
    ].join('\n');
    body.push(needed.constant ? code : `if (${S}.needed(state, ctx)) ${code}`);
  });
  let src = body.join('\n');
  if (vmsd.post_save) {
    src = `let failure = null; try { ${src} } catch (e) { failure = e; }
      const failed = ${V}.post_save(state, ctx);
      if (failure) throw failure;
      if (failed) throw H.hookFailed('post-save', ${V}, failed, at);`;
  }
  if (vmsd.pre_save) {
    src = `{ const refused = ${V}.pre_save(state, ctx); if (refused) throw H.hookFailed('pre-save', ${V}, refused, at); }\n${src}`;
  }
  return { source: `const T = ctx.tracing !== false;\n${src}`, refs: e.refs };
}

function saveField(e: Emitter, vmsd: VMStateDescription, f: VMStateField, V: string): string {
  const Fk = e.k(f);
  const M = q(f.member);
  switch (shapeOf(f)) {
    case 'interpreted':
      return `H.saveField(w, ${V}, ${Fk}, state, ctx, at, null);`;
    case 'scalar': {
      if (f.flags & F.VMS_MUST_EXIST && f.num === 0) return '';
      const c = INLINE.get(f.info!)!;
      return `{ const s0 = w.offset; ${c.put(`state[${M}]`)}; ${recordLeaf(e, vmsd, f, `[...at, ${M}]`, 's0', 'w.offset')} }`;
    }
    case 'scalar-array': {
      const c = INLINE.get(f.info!)!;
      return `{ const n = ${count(e, f, V)};
        if (n > 0${f.flags & F.VMS_MUST_EXIST && f.num === 0 ? ' && false' : ''}) {
          const elems = state[${M}] ?? [];
          if (elems.length < n) throw H.shortArray(${V}, ${Fk}, elems.length, n, [...at, ${M}]);
          const s0 = w.offset;
          ${c.bulk ? `${c.bulk.put('elems', 'n')};` : `for (let i = 0; i < n; i++) ${c.put('elems[i]')};`}
          ${recordLeaf(e, vmsd, f, `[...at, ${M}]`, 's0', 'w.offset')}
        } }`;
    }
    case 'codec': {
      // saveField's one element: the codec's fast path when it has one
      if (f.flags & F.VMS_MUST_EXIST && f.num === 0) return '';
      const keys = f.member === null ? 'at' : `[...at, ${M}]`;
      const value = f.member === null ? 'undefined' : `state[${M}]`;
      // placeholder bytes are recorded as such (save.ts's record): no member of the sender's is on them
      const unused = f.member === null && f.info === vmstate_info_unused_buffer
        ? `if (T && w.offset > s0) ctx.record({ keys, vmsd: ${q(vmsd.name)}, field: ${q(f.name)}, offset: s0, size: w.offset - s0, what: 'unused' });`
        : '';
      const rec = f.member !== null && !f.info!.recordsOwnLeaves ? recordLeaf(e, vmsd, f, 'keys', 's0', 'w.offset') : unused;
      return `{ const keys = ${keys}; const s0 = w.offset;
        ${codecOf(e, f)}.put(w, ${value}, { field: ${Fk}, vmsd: ${V}, state, size: ${f.size ?? 0}, ctx, at: keys, desc: null });
        ${rec} }`;
    }
    case 'struct': {
      if (f.flags & F.VMS_MUST_EXIST && f.num === 0) return '';
      const Nk = e.nested(f.vmsd!, nestedVersion(f));
      return `{ const keys = [...at, ${M}]; const el = state[${M}];
        if (el === null || typeof el !== 'object') throw H.notAStruct(${V}, ${Fk}, el, keys);
        ${Nk}.save(w, el, ctx, keys); }`;
    }
    case 'struct-array': {
      const Nk = e.nested(f.vmsd!, nestedVersion(f));
      return `{ const n = ${count(e, f, V)};
        if (n > 0${f.flags & F.VMS_MUST_EXIST && f.num === 0 ? ' && false' : ''}) {
          const keys = [...at, ${M}];
          const elems = state[${M}] ?? [];
          if (elems.length < n) throw H.shortArray(${V}, ${Fk}, elems.length, n, keys);
          for (let i = 0; i < n; i++) {
            const el = elems[i]; const elKeys = [...keys, i];
            if (el === null || typeof el !== 'object') throw H.notAStruct(${V}, ${Fk}, el, elKeys);
            ${Nk}.save(w, el, ctx, elKeys);
          }
        } }`;
    }
  }
}

/** `function (r, state, version, ctx, at)`: loadVmsd's walk. */
export function emitLoad(vmsd: VMStateDescription): { source: string; refs: Refs } {
  const e = new Emitter();
  const V = e.k(vmsd);
  const min = vmsd.minimum_version_id ?? 0;
  const out: string[] = [
    'const T = ctx.tracing !== false;',
    `if (version > ${vmsd.version_id}) throw H.versionTooNew(r, ${V}, version, at);`,
    `if (version < ${min}) throw H.versionTooOld(r, ${V}, version, ${min}, at);`,
  ];
  if (vmsd.pre_load) out.push(`{ const refused = ${V}.pre_load(state, ctx); if (refused) throw H.loadHookFailed('pre_load', r, ${V}, refused, at); }`);
  if (vmsd.fields.length > 0) {
    const lines = e.k(vmsd.fields.map((f) => `Failed to load ${vmsd.name}:${f.name}`));
    const fields = e.k(vmsd.fields);
    const body: string[] = [];
    vmsd.fields.forEach((f, i) => {
      const Fk = e.k(f);
      const test = f.field_exists ? `${Fk}.field_exists(state, version, ctx)` : `${f.version_id} <= version`;
      const missing = f.flags & F.VMS_MUST_EXIST ? `throw H.inputValidationFailed(r, ${V}, ${Fk}, at);` : '';
      // QEMU checks the file's sticky error after every field: a subsection peek past the end inside it fails here
      body.push(`fi = -1; if (${test}) { fi = ${i}; ${loadField(e, vmsd, f, V)} if (r.fault) throw H.stickyEio(r); } else { ${missing} }`);
    });
    out.push(`let fi = -1; try { ${body.join('\n')} } catch (e) { if (fi < 0) throw e; throw H.wrap(e, ${lines}[fi], ${V}, ${fields}[fi], at); }`);
  }
  const subs = vmsd.subsections ?? [];
  // QEMU peeks for subsections after every VMSD's fields, even one that declares none
  {
    // first definition of a name wins, as the interpreter's find does
    const byName = new Map<string, number>();
    subs.forEach((s, i) => {
      if (!byName.has(s.name)) byName.set(s.name, i);
    });
    const table = e.k(new Map([...byName].map(([name, i]) => [name, i])));
    const loads = subs.map((s) => e.nested(s, -1));
    out.push(`for (;;) {
      const type = r.peekByte(0);
      if (type === null) { r.peekedPastEnd(${q(vmsd.name + "'s subsection check (the type byte)")}); break; }
      if (type !== ${0x05}) break;
      const len = r.peekByte(1);
      if (len === null) { r.peekedPastEnd(${q(vmsd.name + "'s subsection check (the name length)")}); break; }
      if (len < ${vmsd.name.length + 1}) break;
      const nameBytes = r.peek(len, 2);
      if (nameBytes.length < len) { r.peekedPastEnd(${q(vmsd.name + "'s subsection check (a ")} + len + '-byte name)'); break; }
      const name = H.latin1(nameBytes);
      if (!name.startsWith(${q(vmsd.name)})) break;
      const k = ${table}.get(name);
      const start = r.offset;
      if (k === undefined) throw H.unknownSubsection(${V}, name, start, at);
      r.skip(2 + len, 'subsection header');
      const v = r.u32('subsection version_id') & 0xff;
      if (T) ctx.record({ keys: [...at, '{' + name + '}'], vmsd: name, field: '', offset: start, size: r.offset - start, what: 'subsection' });
      switch (k) { ${loads.map((n, i) => `case ${i}: ${n}.load(r, state, v, ctx, at); break;`).join(' ')} }
    }`);
  }
  if (vmsd.post_load) out.push(`{ const failure = ${V}.post_load(state, version, ctx); if (failure) throw H.loadHookFailed('post_load', r, ${V}, failure, at); }`);
  return { source: out.join('\n'), refs: e.refs };
}

function loadField(e: Emitter, vmsd: VMStateDescription, f: VMStateField, V: string): string {
  const Fk = e.k(f);
  const M = q(f.member);
  // `state["__proto__"] = v` would set a fresh struct's prototype: the interpreter stores that member as an own property
  switch (f.member === '__proto__' ? 'interpreted' : shapeOf(f)) {
    case 'interpreted':
      return `H.loadField(r, ${V}, ${Fk}, state, ctx, at);`;
    case 'scalar': {
      const c = INLINE.get(f.info!)!;
      return `{ const s0 = r.offset; const v = ${c.get}; ${recordLeaf(e, vmsd, f, `[...at, ${M}]`, 's0', 'r.offset')} state[${M}] = v; }`;
    }
    case 'scalar-array': {
      const c = INLINE.get(f.info!)!;
      return `{ const n = ${count(e, f, V)};
        if (n > 0) {
          const cur = state[${M}]; let t = Array.isArray(cur) ? cur : H.typedTarget(cur, ${JSON.stringify(f.info!.name)}, n) ? cur : []; state[${M}] = t;
          const s0 = r.offset;
          if (Array.isArray(t)) ${c.bulk ? `${c.bulk.get('t', 'n')};` : `for (let i = 0; i < n; i++) t[i] = ${c.get};`}
          else for (let i = 0; i < n; i++) { const v = ${c.get}; t[i] = v; if (t[i] !== v) { t = Array.from(t); t[i] = v; state[${M}] = t; } }
          ${recordLeaf(e, vmsd, f, `[...at, ${M}]`, 's0', 'r.offset')}
        } }`;
    }
    case 'codec': {
      const keys = f.member === null ? 'at' : `[...at, ${M}]`;
      const rec = f.member !== null && !f.info!.recordsOwnLeaves ? recordLeaf(e, vmsd, f, 'keys', 's0', 'r.offset') : '';
      return `{ const keys = ${keys}; const s0 = r.offset;
        const v = ${codecOf(e, f)}.get(r, ${f.member === null ? 'undefined' : `state[${M}]`}, { field: ${Fk}, vmsd: ${V}, state, size: ${f.size ?? 0}, ctx, at: keys });
        ${rec} ${f.member === null ? '' : `state[${M}] = v;`} }`;
    }
    case 'struct': {
      const Nk = e.nested(f.vmsd!, -1);
      return `{ const cur = state[${M}]; const el = cur !== null && typeof cur === 'object' ? cur : {};
        ${Nk}.load(r, el, ${nestedVersion(f)}, ctx, [...at, ${M}]); state[${M}] = el; }`;
    }
    case 'struct-array': {
      const Nk = e.nested(f.vmsd!, -1);
      // a VARRAY's count is bounded by the bytes present once its elements take none (load.ts, varrayLimit)
      const varray = (f.flags & F.VMS_VARRAY_ANY) !== 0;
      return `{ const n = ${count(e, f, V)};
        if (n > 0) {
          const keys = [...at, ${M}];
          const cur = state[${M}]; const t = Array.isArray(cur) ? cur : []; state[${M}] = t;
          ${varray ? 'const f0 = r.offset; const lim = r.end - f0;' : ''}
          for (let i = 0; i < n; i++) {
            const c = t[i]; const el = c !== null && typeof c === 'object' ? c : {};
            ${varray ? 'const s0 = r.offset;' : ''}
            ${Nk}.load(r, el, ${nestedVersion(f)}, ctx, [...keys, i]);
            t[i] = el;
            ${varray ? `if (r.offset === s0 && i >= lim) throw H.varrayBeyondInput(r, ${V}, ${Fk}, n, f0, lim, i, keys);` : ''}
          }
          t.length = Math.max(t.length, n);
        } }`;
    }
  }
}
