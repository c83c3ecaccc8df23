/**
 * What a QEMU source tree says about migration, in one JSON-safe value: the
 * VMState facts (extract.ts), the machine types with their compat lists
 * (machines/), the Property arrays (props/) and the translated predicates
 * of every needed()/field_exists test the VMSDs name. A release is built
 * from a snapshot (convert.ts); the snapshot is what gets cached, so that
 * worker threads and later runs never re-read the tree.
 */
import { resolve } from 'node:path';
import { FileCache } from '../cpp.js';
import { extractTree } from '../extract.js';
import { extractMachines, type MachineExtraction } from '../machines/extract.js';
import type { ExtractedModel, ExtractedRelease } from '../model.js';
import type { PropType, PropValue } from '../../machine/types.js';
import { extractPropertyArrays, type PropertyArray } from '../props/extract.js';
import { SourceTree } from '../props/context.js';
import { translatePredicates, type TranslatedFn } from './translate.js';
import { translateHooks, type TranslatedHook } from './hooks.js';
import { extractPlacement, type Placement } from './placement.js';
import { extractOutsideFills, type OutsideFill } from './outside-fills.js';

export const SNAPSHOT_FORMAT = 'vmcompat-tree/1';

export interface TreeSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: string;
  root: string;
  model: ExtractedModel;
  machines: MachineExtraction;
  /** Property arrays by C name (a static name may be defined in several files). */
  props: Record<string, PropertyArray[]>;
  /** needed() / field_exists functions by `file#name`. */
  predicates: Record<string, TranslatedFn>;
  /** pre_save hooks translated to assignments (hooks.ts) by `vmsdFile#name`; absent: none translated. */
  hooks?: Record<string, TranslatedHook>;
  /** Which classes are not user-creatable and which files may create them (placement.ts); absent: every class pluggable. */
  placement?: Placement;
  /** Class pre_save hooks that fill the state from KVM, with what they write (outside-fills.ts), by QOM type. */
  outsideFills?: Record<string, OutsideFill>;
}

export async function snapshotTree(root: string, progress?: (what: string) => void): Promise<TreeSnapshot> {
  progress?.('VMState descriptions');
  const files = new FileCache(resolve(root));
  const model = await extractTree(root, {}, files);
  const source = new SourceTree(model.tree, { files });
  progress?.('machine types');
  const machines = await extractMachines(root, { source });
  progress?.('properties');
  const p = await extractPropertyArrays(root, { source });
  const props: Record<string, PropertyArray[]> = {};
  for (const [k, v] of p.arrays) props[k] = v;
  progress?.('predicates');
  const predicates = await translatePredicates(model, source);
  progress?.('hooks');
  const hooks = await translateHooks(model, source);
  progress?.('placement');
  const placement = extractPlacement(root, model);
  const outsideFills = extractOutsideFills(root, model);
  return { format: SNAPSHOT_FORMAT, version: model.version, root: model.tree, model, machines, props, predicates, hooks, placement, outsideFills };
}

/** JSON with bigints (property defaults, 64-bit constants) kept as `{"$bigint": "…"}`. */
export function encodeSnapshot(s: TreeSnapshot): string {
  return JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
}

export function decodeSnapshot(text: string): TreeSnapshot {
  return JSON.parse(text, (_k, v) => (v && typeof v === 'object' && typeof v.$bigint === 'string' && Object.keys(v).length === 1 ? BigInt(v.$bigint) : v)) as TreeSnapshot;
}

/**
 * A snapshot from the release model `vmcompat extract` caches (one
 * extraction per tree, under .cache/extracted): its VMState facts, machine
 * types and Property arrays as they are, plus the translated predicates
 * (read from the tree here, the only part not in that model).
 */
export async function snapshotFromRelease(
  rel: ExtractedRelease,
  progress?: (what: string) => void,
  known?: { predicates: Record<string, TranslatedFn>; hooks: Record<string, TranslatedHook>; placement: Placement; outsideFills: Record<string, OutsideFill> },
): Promise<TreeSnapshot> {
  const { properties, compatArrays, machines, ...model } = rel;
  const props: Record<string, PropertyArray[]> = {};
  for (const a of properties) {
    const list = props[a.name] ?? (props[a.name] = []);
    list.push({
      name: a.name,
      file: a.at.file,
      line: a.at.line,
      props: a.props.map((p) => ({
        name: p.name,
        info: p.info,
        type: (p.type ?? null) as PropType | null,
        // 64-bit defaults beyond 2^53 are decimal strings in the JSON
        default: (p.type === 'uint64' && p.default !== null && typeof p.default !== 'boolean' ? BigInt(p.default) : p.default) as PropValue | null,
        struct: p.struct,
        member: p.member,
        file: p.at.file,
        line: p.at.line,
        ...(p.bit !== undefined ? { bit: p.bit } : {}),
      })),
    } as PropertyArray);
  }
  if (!known) progress?.('predicates');
  const source = known ? null : new SourceTree(rel.tree);
  const predicates = known?.predicates ?? (await translatePredicates(model, source!));
  if (!known) progress?.('hooks');
  const hooks = known?.hooks ?? (await translateHooks(model, source!));
  const placement = known?.placement ?? extractPlacement(rel.tree, model);
  const outsideFills = known?.outsideFills ?? extractOutsideFills(rel.tree, model);
  return {
    format: SNAPSHOT_FORMAT,
    version: rel.version,
    root: rel.tree,
    model,
    machines: { version: rel.version, root: rel.tree, machines, compatArrays, unresolved: [] },
    props,
    predicates,
    hooks,
    placement,
    outsideFills,
  };
}
