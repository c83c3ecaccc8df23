/**
 * A translated needed() / field_exists test: an expression over the
 * struct's migrated members, the device's properties, the version being
 * loaded, named inputs (a helper whose answer the model does not know, such
 * as `pci_is_express`, drawn both ways per case) and a few helpers whose
 * meaning the migrated state carries (timer_pending, fifo8_is_empty).
 * JSON-safe, so it is cached with the tree.
 */
import { VmError } from '../../wire/errors.js';
import { TMP_PARENT } from '../../vmstate/containers.js';

export type Expr =
  | { k: 'int'; v: string }
  /** A member of the struct the test is given (`self`) or of the device that owns it (`device`, through container_of). */
  | { k: 'member'; root: 'self' | 'device'; path: (string | number)[] }
  | { k: 'version' }
  | { k: 'un'; op: string; e: Expr }
  | { k: 'bin'; op: string; l: Expr; r: Expr }
  | { k: 'cond'; c: Expr; a: Expr; b: Expr }
  | { k: 'call'; fn: string; args: Expr[] }
  /** A named input: an answer the model cannot compute, drawn both ways. */
  | { k: 'input'; name: string };

/** Where members are looked up: the struct, the device, and the properties by the member they set. */
export interface PredicateEnv {
  self: Record<string, unknown>;
  device: Record<string, unknown>;
  props: Readonly<Record<string, unknown>>;
  /** Property-backed members: member path → the properties setting it (bit properties with their bit). */
  propMembers: ReadonlyMap<string, readonly { prop: string; bit?: number }[]>;
  version: number;
}

const toBig = (v: unknown, what: string): bigint => {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (v === null || v === undefined) return 0n;
  throw new VmError({ kind: 'bad-state', message: `predicate: ${what} is not a number (${typeof v})` });
};

const isState = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);

/** Whether a state has a key that is a dotted prefix of the path (its longest-prefix lookup finds something). */
const hasPrefixKey = (st: Record<string, unknown>, path: readonly (string | number)[]): boolean => {
  const names: string[] = [];
  for (const p of path) {
    if (typeof p !== 'string') break;
    names.push(p);
    if (names.join('.') in st) return true;
  }
  return false;
};

/** The value at a member path: the longest dotted prefix that is a state key, then indices and nested keys; else the properties behind it. */
export function memberValue(env: PredicateEnv, root: 'self' | 'device', path: readonly (string | number)[]): unknown {
  const base = root === 'self' ? env.self : env.device;
  const names = path.filter((p): p is string => typeof p === 'string');
  for (let n = path.length; n > 0; n--) {
    const head = path.slice(0, n);
    if (head.some((p) => typeof p !== 'string')) continue;
    const key = head.join('.');
    if (key in base) {
      let v: unknown = base[key];
      const rest = path.slice(n);
      // a nested state (a tmp struct's parent) keys its own members by their dotted paths
      if (rest.length && typeof rest[0] === 'string' && isState(v) && hasPrefixKey(v, rest)) return memberValue({ ...env, self: v, device: v }, 'self', rest);
      for (const p of rest) {
        if (v === null || v === undefined) {
          v = undefined;
          break;
        }
        v = typeof p === 'number' ? (v as ArrayLike<unknown>)[p] : (v as Record<string, unknown>)[p];
      }
      // a member of a nested struct the VMSDs migrate only part of (acpi_memory_hotplug.is_enabled): a property may hold it
      if (v !== undefined || !env.propMembers.has(names.join('.'))) return v;
      break;
    }
  }
  const props = env.propMembers.get(names.join('.'));
  if (props) {
    let acc = 0n;
    for (const p of props) {
      const v = env.props[p.prop];
      if (p.bit === undefined) return v;
      if (v === true) acc |= 1n << BigInt(p.bit);
    }
    return acc;
  }
  throw new VmError({ kind: 'bad-state', message: `predicate: '${path.join('.')}' is neither in the state nor a property` });
}

export function evalExpr(e: Expr, env: PredicateEnv): bigint {
  switch (e.k) {
    case 'int':
      return BigInt(e.v);
    case 'version':
      return BigInt(env.version);
    case 'input':
      return toBig(env.props[e.name], e.name);
    case 'member': {
      const v = memberValue(env, e.root, e.path);
      return toBig(v instanceof Uint8Array ? v.length : v, e.path.join('.'));
    }
    case 'un': {
      const v = evalExpr(e.e, env);
      if (e.op === '!') return v === 0n ? 1n : 0n;
      if (e.op === '~') return ~v;
      if (e.op === '-') return -v;
      return v;
    }
    case 'cond':
      return evalExpr(e.c, env) !== 0n ? evalExpr(e.a, env) : evalExpr(e.b, env);
    case 'call':
      return callHelper(e, env);
    case 'bin': {
      if (e.op === '&&') return evalExpr(e.l, env) !== 0n && evalExpr(e.r, env) !== 0n ? 1n : 0n;
      if (e.op === '||') return evalExpr(e.l, env) !== 0n || evalExpr(e.r, env) !== 0n ? 1n : 0n;
      const l = evalExpr(e.l, env);
      const r = evalExpr(e.r, env);
      switch (e.op) {
        case '==': return l === r ? 1n : 0n;
        case '!=': return l !== r ? 1n : 0n;
        case '<': return l < r ? 1n : 0n;
        case '>': return l > r ? 1n : 0n;
        case '<=': return l <= r ? 1n : 0n;
        case '>=': return l >= r ? 1n : 0n;
        case '&': return l & r;
        case '|': return l | r;
        case '^': return l ^ r;
        case '<<': return l << r;
        case '>>': return l >> r;
        case '+': return l + r;
        case '-': return l - r;
        case '*': return l * r;
        case '/': return r === 0n ? 0n : l / r;
        case '%': return r === 0n ? 0n : l % r;
      }
    }
  }
  throw new VmError({ kind: 'bad-input', message: `predicate: cannot evaluate ${JSON.stringify(e).slice(0, 80)}` });
}

/** Helpers whose answer the migrated state carries. */
export const STATE_HELPERS = new Set(['timer_pending', 'timer_expired', 'fifo8_is_empty', 'fifo8_num_used', 'fifo32_is_empty', 'fifo32_num_used', 'extract32', 'extract64', 'MIN', 'MAX']);

function callHelper(e: Extract<Expr, { k: 'call' }>, env: PredicateEnv): bigint {
  const arg = (i: number) => e.args[i]!;
  const raw = (i: number): unknown => {
    const a = arg(i);
    return a.k === 'member' ? memberValue(env, a.root, a.path) : evalExpr(a, env);
  };
  switch (e.fn) {
    case 'timer_pending': {
      // the timer codec carries the expiry time, -1 when the timer is not armed
      const v = raw(0);
      return v === undefined || v === null || toBig(v, 'timer') === -1n ? 0n : 1n;
    }
    case 'fifo8_is_empty':
    case 'fifo32_is_empty':
      return toBig((raw(0) as Record<string, unknown> | undefined)?.num, 'fifo num') === 0n ? 1n : 0n;
    case 'fifo8_num_used':
    case 'fifo32_num_used':
      return toBig((raw(0) as Record<string, unknown> | undefined)?.num, 'fifo num');
    case 'extract32':
    case 'extract64': {
      const v = evalExpr(arg(0), env);
      const s = evalExpr(arg(1), env);
      const l = evalExpr(arg(2), env);
      return (v >> s) & ((1n << l) - 1n);
    }
    case 'MIN':
    case 'MAX': {
      const a = evalExpr(arg(0), env);
      const b = evalExpr(arg(1), env);
      return e.fn === 'MIN' ? (a < b ? a : b) : a > b ? a : b;
    }
  }
  throw new VmError({ kind: 'bad-input', message: `predicate: no helper ${e.fn}` });
}

/** Every named input an expression reads. */
export function inputsOf(e: Expr, out = new Set<string>()): Set<string> {
  if (e.k === 'input') out.add(e.name);
  else if (e.k === 'un') inputsOf(e.e, out);
  else if (e.k === 'bin') (inputsOf(e.l, out), inputsOf(e.r, out));
  else if (e.k === 'cond') (inputsOf(e.c, out), inputsOf(e.a, out), inputsOf(e.b, out));
  else if (e.k === 'call') for (const a of e.args) inputsOf(a, out);
  return out;
}

/** Every member path an expression reads. */
export function membersOf(e: Expr, out: Extract<Expr, { k: 'member' }>[] = []): Extract<Expr, { k: 'member' }>[] {
  if (e.k === 'member') out.push(e);
  else if (e.k === 'un') membersOf(e.e, out);
  else if (e.k === 'bin') (membersOf(e.l, out), membersOf(e.r, out));
  else if (e.k === 'cond') (membersOf(e.c, out), membersOf(e.a, out), membersOf(e.b, out));
  else if (e.k === 'call') for (const a of e.args) membersOf(a, out);
  return out;
}

/** One assignment of a translated hook (hooks.ts): `member = e`, only when `when` holds. */
export interface Assign {
  root: 'self' | 'device';
  path: (string | number)[];
  e: Expr;
  when?: Expr;
}

/** A load hook's refusal (hooks.ts): `return <code>` (a negative errno) when `when` holds, at `line` of the hook. */
export interface Reject {
  reject: string;
  when?: Expr;
  line: number;
}

/** One step of a translated hook: an assignment, or (post_load / pre_load) a refusal. */
export type HookStep = Assign | Reject;

export const isReject = (s: HookStep): s is Reject => 'reject' in s;

/** Runs a translated hook's steps in order on the state (and the device's), each value in the member's own JS type; the refusal that stops it, or null. */
export function applyAssigns(steps: readonly HookStep[], env: PredicateEnv): Reject | null {
  for (const a of steps) {
    if (a.when && evalExpr(a.when, env) === 0n) continue;
    if (isReject(a)) return a;
    setMember(env, a.root, a.path, evalExpr(a.e, env));
  }
  return null;
}

/** The refusal a hook's steps would return on this state, without changing it (a copy of the state takes the assignments). */
export function wouldReject(steps: readonly HookStep[], env: PredicateEnv, copy: (s: Record<string, unknown>) => Record<string, unknown>): Reject | null {
  if (!steps.some(isReject)) return null;
  const self = copy(env.self);
  const device = env.device === env.self ? self : copy(env.device);
  return applyAssigns(steps, { ...env, self, device });
}

/** Sets the member a path names: the longest dotted prefix that is a state key, then indices and nested keys. */
export function setMember(env: PredicateEnv, root: 'self' | 'device', path: readonly (string | number)[], v: bigint): void {
  const base = root === 'self' ? env.self : env.device;
  for (let n = path.length; n > 0; n--) {
    const head = path.slice(0, n);
    if (head.some((p) => typeof p !== 'string')) continue;
    const k = head.join('.');
    if (!(k in base)) continue;
    const rest = path.slice(n);
    if (rest.length && typeof rest[0] === 'string' && isState(base[k]) && hasPrefixKey(base[k] as Record<string, unknown>, rest)) return setMember({ ...env, self: base[k] as Record<string, unknown> }, 'self', rest, v);
    let holder: Record<string | number, unknown> = base;
    let last: string | number = k;
    for (const p of path.slice(n)) {
      const next = holder[last];
      if (next === null || typeof next !== 'object') throw new VmError({ kind: 'bad-state', message: `hook: '${path.join('.')}' does not reach a member` });
      holder = next as Record<string | number, unknown>;
      last = p;
    }
    const cur = holder[last];
    holder[last] = typeof cur === 'boolean' ? v !== 0n : typeof cur === 'bigint' ? v : Number(v);
    return;
  }
  // a struct that starts empty (a tmp, whose pre_save fills it): the member by its dotted path
  if (path.length && path.every((p) => typeof p === 'string') && TMP_PARENT in base) {
    base[path.join('.')] = v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    return;
  }
  throw new VmError({ kind: 'bad-state', message: `hook: '${path.join('.')}' is not in the state` });
}

const EMPTY_ENV: PredicateEnv = { self: {}, device: {}, props: {}, propMembers: new Map(), version: 0 };

/** Constant subexpressions folded (`0 && x` is 0, `1 || x` is 1): what is left reads only what it must. */
export function fold(e: Expr): Expr {
  const isConst = (x: Expr): x is Extract<Expr, { k: 'int' }> => x.k === 'int';
  const int = (v: bigint): Expr => ({ k: 'int', v: v.toString() });
  switch (e.k) {
    case 'un': {
      const a = fold(e.e);
      return isConst(a) ? int(evalExpr({ ...e, e: a }, EMPTY_ENV)) : { ...e, e: a };
    }
    case 'bin': {
      const l = fold(e.l);
      const r = fold(e.r);
      if (e.op === '&&' && ((isConst(l) && l.v === '0') || (isConst(r) && r.v === '0'))) return int(0n);
      if (e.op === '||' && ((isConst(l) && l.v !== '0') || (isConst(r) && r.v !== '0'))) return int(1n);
      return isConst(l) && isConst(r) ? int(evalExpr({ ...e, l, r }, EMPTY_ENV)) : { ...e, l, r };
    }
    case 'cond': {
      const c = fold(e.c);
      if (isConst(c)) return fold(c.v !== '0' ? e.a : e.b);
      return { ...e, c, a: fold(e.a), b: fold(e.b) };
    }
    case 'call':
      return { ...e, args: e.args.map(fold) };
    default:
      return e;
  }
}

/** Members replaced by constants where `value` knows them. */
export function substitute(e: Expr, value: (m: Extract<Expr, { k: 'member' }>) => number | undefined): Expr {
  const go = (x: Expr): Expr => {
    switch (x.k) {
      case 'member': {
        const v = value(x);
        return v === undefined ? x : { k: 'int', v: String(v) };
      }
      case 'un':
        return { ...x, e: go(x.e) };
      case 'bin':
        return { ...x, l: go(x.l), r: go(x.r) };
      case 'cond':
        return { ...x, c: go(x.c), a: go(x.a), b: go(x.b) };
      case 'call':
        return { ...x, args: x.args.map(go) };
      default:
        return x;
    }
  };
  return go(e);
}

/** An expression as C-like text, for people (`msg_len < 0 || msg_len > 8`). */
export function exprText(e: Expr): string {
  const p = (x: Expr) => (x.k === 'bin' || x.k === 'cond' ? `(${exprText(x)})` : exprText(x));
  switch (e.k) {
    case 'int':
      return e.v;
    case 'version':
      return 'version_id';
    case 'member':
      return `${e.root === 'device' ? 'device.' : ''}${e.path.map((x) => (typeof x === 'number' ? `[${x}]` : x)).join('.').replace(/\.\[/g, '[')}`;
    case 'input':
      return e.name;
    case 'un':
      return `${e.op}${p(e.e)}`;
    case 'bin':
      return `${p(e.l)} ${e.op} ${p(e.r)}`;
    case 'cond':
      return `${p(e.c)} ? ${p(e.a)} : ${p(e.b)}`;
    case 'call':
      return `${e.fn}(${e.args.map(exprText).join(', ')})`;
  }
}

/** Linux's errno values for the names load hooks return (-EINVAL …); 22 (EINVAL) for a name not listed. */
const ERRNO: Readonly<Record<string, number>> = { EPERM: 1, ENOENT: 2, EIO: 5, E2BIG: 7, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EFAULT: 14, EBUSY: 16, EEXIST: 17, ENODEV: 19, EINVAL: 22, ENOSPC: 28, ERANGE: 34, ENOSYS: 38, ENOTSUP: 95, EOPNOTSUPP: 95 };

/** The errno a refusal's return text stands for (`-EINVAL` → 22, `-1` → 1). */
export function errnoOf(text: string): number {
  const t = text.replace(/[()\s]/g, '');
  const name = /^-?(E[A-Z0-9]+)$/.exec(t)?.[1];
  if (name) return ERRNO[name] ?? 22;
  const n = Number(t);
  return Number.isFinite(n) && n !== 0 ? Math.abs(n) : 22;
}
