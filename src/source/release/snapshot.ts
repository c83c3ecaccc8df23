/**
 * What a QEMU source tree says about migration, in one JSON-safe value: the
 * VMState facts (extract.ts), the machine types with their compat lists
 * (machines/), the Property arrays (props/) and the translated predicates
 * of every needed()/field_exists test the VMSDs name. A release is built
 * from a snapshot (convert.ts); the snapshot is what gets cached, so that
 * worker threads and later runs never re-read the tree.
 */
import { extractTree } from '../extract.js';
import { extractMachines, type MachineExtraction } from '../machines/extract.js';
import type { ExtractedModel } from '../model.js';
import { extractPropertyArrays, type PropertyArray } from '../props/extract.js';
import { SourceTree } from '../props/context.js';
import { translatePredicates, type TranslatedFn } from './translate.js';

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
}

export async function snapshotTree(root: string, progress?: (what: string) => void): Promise<TreeSnapshot> {
  progress?.('VMState descriptions');
  const model = await extractTree(root);
  const source = new SourceTree(root);
  progress?.('machine types');
  const machines = await extractMachines(root, { source });
  progress?.('properties');
  const p = await extractPropertyArrays(root, { source });
  const props: Record<string, PropertyArray[]> = {};
  for (const [k, v] of p.arrays) props[k] = v;
  progress?.('predicates');
  const predicates = await translatePredicates(model, source);
  return { format: SNAPSHOT_FORMAT, version: model.version, root: model.tree, model, machines, props, predicates };
}

/** JSON with bigints (property defaults, 64-bit constants) kept as `{"$bigint": "…"}`. */
export function encodeSnapshot(s: TreeSnapshot): string {
  return JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
}

export function decodeSnapshot(text: string): TreeSnapshot {
  return JSON.parse(text, (_k, v) => (v && typeof v === 'object' && typeof v.$bigint === 'string' && Object.keys(v).length === 1 ? BigInt(v.$bigint) : v)) as TreeSnapshot;
}
