import { resolve } from 'node:path';
import { FileCache } from './cpp.js';
import { extractTree, treeVersion, type ExtractOptions } from './extract.js';
import { extractMachines } from './machines/extract.js';
import type { ExtractedProperty, ExtractedPropertyArray, ExtractedRelease, Unresolved } from './model.js';
import { SourceTree, type Unresolved as WhereUnresolved } from './props/context.js';
import { extractPropertyArrays, type PropertyRecord } from './props/extract.js';

/**
 * A whole QEMU tree as one release model: the VMState facts (extractTree),
 * every Property array with its defaults, the GlobalProperty compat arrays
 * and the machine types with their compat lists. Each part keeps the
 * file:line of what it read; what it could not read is in `unresolved`.
 */
export async function extractRelease(root: string, opts: ExtractOptions & { timings?: Record<string, number> } = {}): Promise<ExtractedRelease> {
  treeVersion(root);
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    if (opts.timings) opts.timings[name] = now - t;
    t = now;
  };
  // one scan of each file for every reader (the VMState pass and the Property/machine readers)
  const files = new FileCache(resolve(root));
  const vm = await extractTree(root, opts, files);
  lap('vmstate');
  const source = new SourceTree(vm.tree, { files });
  const props = await extractPropertyArrays(vm.tree, { source });
  lap('properties');
  const machines = await extractMachines(vm.tree, { source });
  lap('machines');
  const properties: ExtractedPropertyArray[] = [];
  for (const list of props.arrays.values()) for (const a of list) properties.push({ name: a.name, props: a.props.map(property), at: { file: a.file, line: a.line } });
  properties.sort((a, b) => a.at.file.localeCompare(b.at.file) || a.at.line - b.at.line);
  linkProps(vm.classes, properties);
  const unresolved: Unresolved[] = [...vm.unresolved, ...props.unresolved.map(at), ...machines.unresolved.map(at)];
  return { ...vm, unresolved, properties, compatArrays: machines.compatArrays, machines: machines.machines };
}

const at = (u: WhereUnresolved): Unresolved => ({ what: u.what, reason: u.reason, at: { file: u.file, line: u.line } });

function property(p: PropertyRecord): ExtractedProperty {
  const d = p.default;
  const value = typeof d === 'bigint' ? (d >= BigInt(Number.MIN_SAFE_INTEGER) && d <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(d) : d.toString()) : d;
  const out: ExtractedProperty = { name: p.name, info: p.info, type: p.type, default: value, struct: p.struct, member: p.member, at: { file: p.file, line: p.line } };
  if (p.bit !== undefined) out.bit = p.bit;
  return out;
}

/** A class's Property array: the one of that name in the class's own file, else the only one of that name. */
function linkProps(classes: ExtractedRelease['classes'], arrays: readonly ExtractedPropertyArray[]): void {
  const byName = new Map<string, ExtractedPropertyArray[]>();
  for (const a of arrays) byName.set(a.name, [...(byName.get(a.name) ?? []), a]);
  for (const c of classes) {
    if (!c.props) continue;
    const list = byName.get(c.props) ?? [];
    const hit = list.find((a) => a.at.file === c.at.file) ?? (list.length === 1 ? list[0] : undefined);
    c.propsFile = hit ? hit.at.file : null;
  }
}
