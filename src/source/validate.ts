import type { Dump } from '../static/dump.js';
import type { VmsdNode } from '../static/types.js';
import { ModelView } from './extract.js';
import type { ExtractedModel, ExtractedVmsd, SrcLoc } from './model.js';

/**
 * An extracted model held against the binary built from the same tree:
 * every device class in the binary's `-dump-vmstate` must have the same
 * VMSD, field by field (names, field versions, whether a test exists,
 * element size, array count where the dump has one, nested descriptions,
 * subsections in order). A struct field's `size` is `sizeof` its C struct,
 * which depends on host layout and is not on the wire: it is not compared
 * (QEMU's vmstate-static-checker skips it too).
 */

export interface Mismatch {
  /** The dump's device class (its QOM type). */
  device: string;
  /** VMSD path: `e1000/fields[3] mac_reg`, `e1000/subsections[0] e1000/mit_state`. */
  path: string;
  reason: string;
  /** Where the extracted side came from. */
  at: SrcLoc | null;
}

export interface Validation {
  machine: string;
  total: number;
  matched: string[];
  mismatches: Mismatch[];
  /** Device classes with at least one mismatch. */
  failing: string[];
}

/** Compares the model with one dump; the first difference per device class is reported. */
export function validateAgainstDump(model: ExtractedModel, dump: Dump): Validation {
  const view = new ModelView(model);
  const matched: string[] = [];
  const mismatches: Mismatch[] = [];
  const failing: string[] = [];
  for (const [device, section] of dump.sections) {
    const m = compareDevice(view, device, section.vmsd);
    if (m) {
      mismatches.push(m);
      failing.push(device);
    } else matched.push(device);
  }
  return { machine: dump.machine, total: dump.sections.size, matched, mismatches, failing };
}

function compareDevice(view: ModelView, device: string, want: VmsdNode): Mismatch | null {
  const defs = view.classDefs(device);
  if (!defs.length) return { device, path: device, reason: `no TypeInfo named "${device}" in the files read`, at: null };
  const cv = view.classVmsd(device);
  if (!cv || !cv.ref) {
    return {
      device,
      path: device,
      reason: cv?.set ? `class_init of ${cv.owner} sets vmsd to NULL` : `neither ${device} nor its parents set dc->vmsd in a class_init the extractor could read`,
      at: defs[0]!.at,
    };
  }
  const v = view.vmsd(cv.ref);
  if (!v) return { device, path: device, reason: `class ${cv.owner} sets vmsd to ${cv.ref.name}, which is not a VMStateDescription in the files read`, at: defs[0]!.at };
  return compareVmsd(view, device, v, want, want.name, 0);
}

function compareVmsd(view: ModelView, device: string, got: ExtractedVmsd, want: VmsdNode, path: string, depth: number): Mismatch | null {
  const bad = (reason: string, at: SrcLoc = got.at, p = path): Mismatch => ({ device, path: p, reason, at });
  if (depth > 32) return bad('nesting deeper than 32 levels');
  if (got.name !== want.name) return bad(`name: source has "${got.name}" (${got.cname}), the binary "${want.name}"`);
  if (got.version_id !== want.version_id) return bad(`version_id: source ${got.version_id}, binary ${want.version_id}`);
  if (got.minimum_version_id !== want.minimum_version_id) return bad(`minimum_version_id: source ${got.minimum_version_id}, binary ${want.minimum_version_id}`);
  const fields = (got.fields ?? []).filter((f) => !f.flags.includes('VMS_MUST_EXIST'));
  for (let k = 0; k < Math.max(fields.length, want.fields.length); k++) {
    const f = fields[k];
    const w = want.fields[k];
    const fp = `${path}/fields[${k}] ${f?.name ?? w?.name}`;
    if (!f) return bad(`the binary has field "${w!.name}" here, the source has no more fields`, got.at, fp);
    if (!w) return bad(`the source has field "${f.name}" (${f.macro}) here, the binary has no more fields`, f.at, fp);
    if (f.name !== w.name) return bad(`field name: source "${f.name}" (${f.macro}), binary "${w.name}"`, f.at, fp);
    if (f.version_id !== w.version_id) return bad(`version_id: source ${f.version_id}, binary ${w.version_id}`, f.at, fp);
    if ((f.field_exists !== null) !== (w.test !== null)) return bad(`field_exists: source ${f.field_exists ?? 'none'}, binary ${w.test ? 'has a test' : 'none'}`, f.at, fp);
    if (w.count && 'fixed' in w.count && f.flags.includes('VMS_ARRAY') && f.num !== w.count.fixed) return bad(`num: source ${f.num ?? 'unresolved'}, binary ${w.count.fixed}`, f.at, fp);
    if ((f.vmsd !== null) !== (w.nested !== null)) return bad(`nested VMSD: source ${f.vmsd?.name ?? 'none'}, binary ${w.nested?.name ?? 'none'}`, f.at, fp);
    if (w.nested) {
      const nv = view.vmsd(f.vmsd!);
      if (!nv) return bad(`nested VMSD ${f.vmsd!.name} is not a VMStateDescription in the files read`, f.at, fp);
      const r = compareVmsd(view, device, nv, w.nested, `${fp}/${w.nested.name}`, depth + 1);
      if (r) return r;
    } else if (w.size !== null && f.size !== w.size) {
      return bad(`size: source ${f.size ?? 'unresolved'}, binary ${w.size}`, f.at, fp);
    }
  }
  for (let k = 0; k < Math.max(got.subsections.length, want.subsections.length); k++) {
    const s = got.subsections[k];
    const w = want.subsections[k];
    const sp = `${path}/subsections[${k}] ${s?.name ?? w?.vmsd.name}`;
    if (!s) return bad(`the binary has subsection "${w!.vmsd.name}" here, the source has no more`, got.at, sp);
    if (!w) return bad(`the source has subsection ${s.name} here, the binary has no more`, got.at, sp);
    const sv = view.vmsd(s);
    if (!sv) return bad(`subsection ${s.name} is not a VMStateDescription in the files read`, got.at, sp);
    const r = compareVmsd(view, device, sv, w.vmsd, `${path}/${w.vmsd.name}`, depth + 1);
    if (r) return r;
  }
  return null;
}

/** The device classes a model gives a VMSD (own or inherited, abstract ones too, as -dump-vmstate lists them), with the file of their TypeInfo. */
export function vmsdClasses(model: ExtractedModel): Map<string, string> {
  const view = new ModelView(model);
  const out = new Map<string, string>();
  for (const c of model.classes) {
    if (out.has(c.name)) continue;
    const cv = view.classVmsd(c.name);
    if (cv?.ref && view.vmsd(cv.ref)) out.set(c.name, c.at.file);
  }
  return out;
}

export interface ClassSet {
  /** Device classes with a VMSD in the model. */
  model: number;
  /** Device classes in the binary's -dump-vmstate. */
  binary: number;
  /** In the binary, not in the model. */
  missing: string[];
  /** In the model only because their file is built into a module the binary's module folder lacks. */
  uninstalled: { device: string; module: string }[];
  /** In the model, not in the binary, for no such reason. */
  extra: string[];
}

/**
 * The model's device classes held against the binary's: a class from a file
 * the build puts into a loadable module (model.modules) is in the binary only
 * when that module is installed (`installed`: the module names, `hw-display-qxl`,
 * of the binary's module folder).
 */
export function classSetAgainstDump(model: ExtractedModel, dump: Dump, installed: ReadonlySet<string>): ClassSet {
  const have = vmsdClasses(model);
  const missing = [...dump.sections.keys()].filter((d) => !have.has(d)).sort();
  const uninstalled: ClassSet['uninstalled'] = [];
  const extra: string[] = [];
  for (const [device, file] of [...have].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (dump.sections.has(device)) continue;
    const module = model.modules?.[file];
    if (module && !installed.has(module)) uninstalled.push({ device, module });
    else extra.push(device);
  }
  return { model: have.size, binary: dump.sections.size, missing, uninstalled, extra };
}
