/**
 * Class-level pre_save hooks that fill the state from outside QEMU: a
 * class_init sets `->pre_save = F` (the hook a VMSD's own pre_save
 * dispatches to through the class, as the PIC, IOAPIC and PIT common code
 * do) and F reads the state from KVM (`kvm_*ioctl`). What F does not
 * assign is never changed while the in-kernel device runs: it keeps its
 * reset value in every state the device can save. From the C text:
 * assignments `p->m … = …`, and `&p->m` handed to a call (counted as
 * written, erring on "the guest may change it").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtractedModel } from '../model.js';

export interface OutsideFill {
  /** The hook (`kvm_pic_get`) and where it is defined. */
  fn: string;
  file: string;
  line: number;
  /** Top-level members of the state it writes. */
  members: string[];
}

const readText = (root: string, f: string): string => {
  try {
    return readFileSync(join(root, f), 'utf8');
  } catch {
    return '';
  }
};

/** A function's parameter list and body in `text` (brace-matched), with its line, or null. */
function definition(text: string, name: string): { params: string; body: string; line: number } | null {
  const m = new RegExp(`^[A-Za-z_][\\w\\s*]*\\b${name}\\s*\\(([^;{]*)\\)\\s*\\{`, 'm').exec(text);
  if (!m) return null;
  let depth = 0;
  for (let i = m.index + m[0].length - 1; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) {
      return { params: m[1]!, body: text.slice(m.index + m[0].length, i), line: text.slice(0, m.index).split('\n').length };
    }
  }
  return null;
}

/** The members a hook body writes through its parameter `p`. */
export function writtenMembers(body: string, p: string): string[] {
  const out = new Set<string>();
  const assign = new RegExp(`\\b${p}\\s*->\\s*(\\w+)(?:\\s*\\[[^\\]]*\\]|\\s*\\.\\s*\\w+)*\\s*(?:[-+*/|&^]|<<|>>)?=(?!=)`, 'g');
  for (const m of body.matchAll(assign)) out.add(m[1]!);
  for (const m of body.matchAll(new RegExp(`&\\s*${p}\\s*->\\s*(\\w+)`, 'g'))) out.add(m[1]!);
  return [...out];
}

export function extractOutsideFills(root: string, model: ExtractedModel): Record<string, OutsideFill> {
  const out: Record<string, OutsideFill> = {};
  for (const c of model.classes) {
    if (!c.class_init) continue;
    const text = readText(root, c.at.file);
    const init = definition(text, c.class_init);
    const hook = init && /->\s*pre_save\s*=\s*(\w+)\s*;/.exec(init.body)?.[1];
    if (!hook) continue;
    const def = definition(text, hook);
    if (!def || !/\bkvm_\w*ioctl\s*\(/.test(def.body)) continue;
    const param = /(\w+)\s*$/.exec(def.params.split(',')[0]!.trim())?.[1];
    if (!param) continue;
    out[c.name] = { fn: hook, file: c.at.file, line: def.line, members: writtenMembers(def.body, param) };
  }
  return out;
}
