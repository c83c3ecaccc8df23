import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * QAPI enum constants (`ON_OFF_AUTO_AUTO`) are generated into headers a
 * bare tree does not have; their values follow from the schema in
 * qapi/*.json: members count from 0 in order, and the C name is the
 * enum's name in upper case with words split (QAPI's camel_to_upper) or
 * the schema's `prefix`, then `_` and the member name.
 */
export interface QapiEnum {
  name: string;
  members: string[];
  file: string;
}

export interface QapiEnums {
  /** C constant → value and the enum it belongs to. */
  constants: Map<string, { value: number; enum: QapiEnum; member: string }>;
  enums: Map<string, QapiEnum>;
}

const cache = new Map<string, QapiEnums>();

export function qapiEnums(root: string): QapiEnums {
  const hit = cache.get(root);
  if (hit) return hit;
  const out: QapiEnums = { constants: new Map(), enums: new Map() };
  const dir = join(root, 'qapi');
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    // a tree without a schema has no QAPI constants to resolve
  }
  for (const f of files.sort()) {
    for (const expr of schemaExpressions(readFileSync(join(dir, f), 'utf8'))) {
      if (typeof expr.enum !== 'string' || !Array.isArray(expr.data)) continue;
      const members = (expr.data as unknown[]).map((m) => (typeof m === 'string' ? m : String((m as { name?: unknown }).name)));
      const e: QapiEnum = { name: expr.enum, members, file: `qapi/${f}` };
      out.enums.set(e.name, e);
      // the generator's word splitting changed (7.2 → 10.0): a tree's C code uses its own, so both spellings resolve
      const prefixes = typeof expr.prefix === 'string' ? [expr.prefix] : [...new Set([camelToUpper(e.name), camelToUpperWords(e.name)])];
      for (const prefix of prefixes) members.forEach((m, value) => out.constants.set(`${prefix}_${cName(m).toUpperCase()}`, { value, enum: e, member: m }));
    }
  }
  cache.set(root, out);
  return out;
}

function cName(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, '_');
}

/** QAPI's older rule (7.2): a word starts at a capital followed by a lower-case letter, or at a capital after a digit. */
export function camelToUpper(name: string): string {
  const s = cName(name);
  if (s === s.toUpperCase()) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const upper = c >= 'A' && c <= 'Z';
    if (upper && i > 0 && s[i - 1] !== '_') {
      const nextLower = i < s.length - 1 && s[i + 1]! >= 'a' && s[i + 1]! <= 'z';
      if (nextLower || /[0-9]/.test(s[i - 1]!)) out += '_';
    }
    out += c;
  }
  return out.replace(/^_+/, '').toUpperCase();
}

/** The newer rule: a word boundary wherever the case changes, an upper-case run's last letter starting the next word. */
export function camelToUpperWords(name: string): string {
  const isUpper = (c: string) => c >= 'A' && c <= 'Z';
  const isAlnum = (c: string | undefined) => c !== undefined && /[A-Za-z0-9]/.test(c);
  let ret = name[0] ?? '';
  let upc = isUpper(ret);
  for (const ch of name.slice(1)) {
    if (isUpper(ch) !== upc) {
      if (upc) {
        if (ret.length > 2 && isAlnum(ret[ret.length - 2])) ret = ret.slice(0, -1) + '_' + ret[ret.length - 1];
      } else if (isAlnum(ret[ret.length - 1])) ret += '_';
    }
    ret += ch;
    upc = isUpper(ch);
  }
  return cName(ret.toUpperCase()).replace(/^_+/, '');
}

/** The top-level expressions of a QAPI schema file (Python-literal syntax with # comments). */
export function schemaExpressions(text: string): Record<string, unknown>[] {
  let json = '';
  let depth = 0;
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== "'") s += text[j++];
      json += JSON.stringify(s);
      i = j;
      continue;
    }
    if (depth === 0 && c !== '{') continue;
    json += c;
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) {
        try {
          out.push(JSON.parse(json.replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false')) as Record<string, unknown>);
        } catch {
          // an expression this reader cannot read holds no enum it needs
        }
        json = '';
      }
    }
  }
  return out;
}
