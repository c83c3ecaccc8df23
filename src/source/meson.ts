import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VmError } from '../wire/errors.js';

/**
 * The C files one target's binary is linked from, read from the tree's
 * meson.build files the way meson would evaluate them for that target,
 * without running meson. A small interpreter of the subset QEMU's folders
 * use: assignments, `if`/`elif`/`else`, `foreach`, `subdir()`, `files()`,
 * source sets (`ss.source_set()`, `.add(when:, if_true:, if_false:)`,
 * `.add_all()`), dictionaries (`hw_arch += {'i386': i386_ss}`, `modules`),
 * `config_all_devices.has_key()`, `dep.found()`, `get_option().allowed()`.
 * The source sets are applied to the target's configuration (config_target:
 * its CONFIG_* devices, accelerators and TARGET_* keys) as the top-level
 * meson.build does: system_ss, specific_ss, common_ss, util_ss and the
 * target's entries of hw_arch / target_arch / target_system_arch, plus every
 * module (`modules += {'hw-display': {...}}`), which the build applies to
 * the target's devices too (modinfo). Whatever it cannot read (an unknown
 * variable, function or dependency) is listed as unresolved and read as true,
 * so a file is never left out silently; a syntax error is a typed error
 * naming the file and line.
 */

export interface MesonHost {
  /** config_target keys that are on (`CONFIG_VIRTIO_PCI`, `CONFIG_KVM`, `TARGET_X86_64`). */
  keys: ReadonlySet<string>;
  /** Dependencies found (`pixman`, `spice`, `virgl` …); any other one named is not found. */
  deps: ReadonlySet<string>;
  /** Dependencies known to be absent (so naming them is not unresolved). */
  absentDeps: ReadonlySet<string>;
  /** The `have_*` / `host_os` variables of the top-level meson.build. */
  vars: Record<string, boolean | string>;
  /** `get_option(name)`: true = enabled / allowed. */
  options: Record<string, boolean>;
  /** The target's base arch (`i386`): its hw_arch / target_arch entries are built. */
  arch: string;
  /** `x86_64-softmmu`. */
  target: string;
}

export interface MesonUnresolved {
  what: string;
  reason: string;
  at: { file: string; line: number };
}

export interface MesonSources {
  /** Relative .c paths linked into the target, sorted. */
  files: string[];
  /** File → the module (`hw-display-qxl`) it is built into, for the files only a module holds. */
  modules: Record<string, string>;
  unresolved: MesonUnresolved[];
}

// ---------- tokens ----------

type Tok = { k: 'id' | 'str' | 'fstr' | 'num' | 'op' | 'nl' | 'eof'; v: string; line: number };

function tokenize(text: string, file: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  let depth = 0;
  const bad = (msg: string): never => {
    throw new VmError({ kind: 'bad-input', message: `${file}:${line}: ${msg}` });
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      if (depth === 0 && out.length && out[out.length - 1]!.k !== 'nl') out.push({ k: 'nl', v: '', line });
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (c === '\\' && text[i + 1] === '\n') {
      i += 2;
      line++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === "'" || (c === 'f' && text[i + 1] === "'")) {
      const start = line;
      const kind = c === 'f' ? 'fstr' : 'str';
      if (c === 'f') i++;
      if (text.startsWith("'''", i)) {
        const end = text.indexOf("'''", i + 3);
        if (end < 0) bad('unterminated multi-line string');
        const s = text.slice(i + 3, end);
        line += s.split('\n').length - 1;
        out.push({ k: kind, v: s, line: start });
        i = end + 3;
        continue;
      }
      let s = '';
      i++;
      while (i < text.length && text[i] !== "'") {
        if (text[i] === '\n') bad('newline in a string');
        if (text[i] === '\\') {
          const n = text[i + 1];
          s += n === 'n' ? '\n' : n === 't' ? '\t' : (n ?? '');
          i += 2;
        } else s += text[i++];
      }
      if (i >= text.length) bad('unterminated string');
      i++;
      out.push({ k: kind, v: s, line: start });
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < text.length && /\w/.test(text[j]!)) j++;
      out.push({ k: 'id', v: text.slice(i, j), line });
      i = j;
    } else if (/\d/.test(c)) {
      let j = i;
      while (j < text.length && /[\dxXa-fA-F]/.test(text[j]!)) j++;
      out.push({ k: 'num', v: text.slice(i, j), line });
      i = j;
    } else {
      const two = text.slice(i, i + 2);
      if (['+=', '==', '!=', '<=', '>='].includes(two)) {
        out.push({ k: 'op', v: two, line });
        i += 2;
        continue;
      }
      if (!'()[]{},:.=+-*/%<>?'.includes(c)) bad(`unexpected character '${c}'`);
      if ('([{'.includes(c)) depth++;
      if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
      out.push({ k: 'op', v: c, line });
      i++;
    }
  }
  out.push({ k: 'nl', v: '', line }, { k: 'eof', v: '', line });
  return out;
}

// ---------- syntax ----------

type Expr =
  | { t: 'lit'; v: Value }
  | { t: 'fstr'; v: string; line: number }
  | { t: 'id'; name: string; line: number }
  | { t: 'arr'; items: Expr[] }
  | { t: 'dict'; items: [Expr, Expr][] }
  | { t: 'call'; name: string; args: Args; line: number }
  | { t: 'method'; obj: Expr; name: string; args: Args; line: number }
  | { t: 'index'; obj: Expr; key: Expr }
  | { t: 'un'; op: string; e: Expr }
  | { t: 'bin'; op: string; a: Expr; b: Expr }
  | { t: 'tern'; c: Expr; a: Expr; b: Expr };
interface Args {
  pos: Expr[];
  kw: Map<string, Expr>;
}
type Stmt =
  | { t: 'expr'; e: Expr; line: number }
  | { t: 'assign'; name: string; op: '=' | '+='; e: Expr; line: number }
  | { t: 'if'; arms: { c: Expr | null; body: Stmt[] }[]; line: number }
  | { t: 'foreach'; vars: string[]; e: Expr; body: Stmt[]; line: number }
  | { t: 'jump'; v: 'break' | 'continue'; line: number };

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly file: string,
  ) {}
  private get cur(): Tok {
    return this.toks[this.i]!;
  }
  private bad(msg: string): never {
    throw new VmError({ kind: 'bad-input', message: `${this.file}:${this.cur.line}: ${msg} (at '${this.cur.v || this.cur.k}')` });
  }
  private isOp(v: string) {
    return this.cur.k === 'op' && this.cur.v === v;
  }
  private isId(v: string) {
    return this.cur.k === 'id' && this.cur.v === v;
  }
  private expect(v: string) {
    if (!this.isOp(v)) this.bad(`expected '${v}'`);
    this.i++;
  }
  private skipNl() {
    while (this.cur.k === 'nl') this.i++;
  }
  block(ends: string[]): Stmt[] {
    const out: Stmt[] = [];
    this.skipNl();
    while (this.cur.k !== 'eof' && !(this.cur.k === 'id' && ends.includes(this.cur.v))) {
      out.push(this.stmt());
      this.skipNl();
    }
    if (ends.length && this.cur.k === 'eof') this.bad(`expected ${ends.join(' or ')}`);
    return out;
  }
  private stmt(): Stmt {
    const line = this.cur.line;
    if (this.isId('if')) {
      this.i++;
      const arms: { c: Expr | null; body: Stmt[] }[] = [{ c: this.expr(), body: this.block(['elif', 'else', 'endif']) }];
      while (!this.isId('endif')) {
        if (this.isId('elif')) {
          this.i++;
          arms.push({ c: this.expr(), body: this.block(['elif', 'else', 'endif']) });
        } else {
          this.i++;
          arms.push({ c: null, body: this.block(['endif']) });
        }
      }
      this.i++;
      return { t: 'if', arms, line };
    }
    if (this.isId('foreach')) {
      this.i++;
      const vars = [this.ident()];
      if (this.isOp(',')) {
        this.i++;
        vars.push(this.ident());
      }
      this.expect(':');
      const e = this.expr();
      const body = this.block(['endforeach']);
      this.i++;
      return { t: 'foreach', vars, e, body, line };
    }
    if (this.isId('break') || this.isId('continue')) {
      const v = this.cur.v as 'break' | 'continue';
      this.i++;
      return { t: 'jump', v, line };
    }
    if (this.cur.k === 'id' && this.toks[this.i + 1]?.k === 'op' && (this.toks[this.i + 1]!.v === '=' || this.toks[this.i + 1]!.v === '+=')) {
      const name = this.cur.v;
      const op = this.toks[this.i + 1]!.v as '=' | '+=';
      this.i += 2;
      return { t: 'assign', name, op, e: this.expr(), line };
    }
    const e = this.expr();
    if (this.cur.k !== 'nl') this.bad('expected the end of the statement');
    return { t: 'expr', e, line };
  }
  private ident(): string {
    if (this.cur.k !== 'id') this.bad('expected a name');
    return this.toks[this.i++]!.v;
  }
  expr(): Expr {
    const c = this.or();
    if (this.isOp('?')) {
      this.i++;
      const a = this.expr();
      this.expect(':');
      return { t: 'tern', c, a, b: this.expr() };
    }
    return c;
  }
  private or(): Expr {
    let a = this.and();
    while (this.isId('or')) {
      this.i++;
      a = { t: 'bin', op: 'or', a, b: this.and() };
    }
    return a;
  }
  private and(): Expr {
    let a = this.not();
    while (this.isId('and')) {
      this.i++;
      a = { t: 'bin', op: 'and', a, b: this.not() };
    }
    return a;
  }
  private not(): Expr {
    if (this.isId('not')) {
      this.i++;
      return { t: 'un', op: 'not', e: this.not() };
    }
    return this.cmp();
  }
  private cmp(): Expr {
    const a = this.add();
    for (const op of ['==', '!=', '<', '>', '<=', '>=']) {
      if (this.isOp(op)) {
        this.i++;
        return { t: 'bin', op, a, b: this.add() };
      }
    }
    if (this.isId('in')) {
      this.i++;
      return { t: 'bin', op: 'in', a, b: this.add() };
    }
    if (this.isId('not') && this.toks[this.i + 1]?.v === 'in') {
      this.i += 2;
      return { t: 'un', op: 'not', e: { t: 'bin', op: 'in', a, b: this.add() } };
    }
    return a;
  }
  private add(): Expr {
    let a = this.mul();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.toks[this.i++]!.v;
      a = { t: 'bin', op, a, b: this.mul() };
    }
    return a;
  }
  private mul(): Expr {
    let a = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.toks[this.i++]!.v;
      a = { t: 'bin', op, a, b: this.unary() };
    }
    return a;
  }
  private unary(): Expr {
    if (this.isOp('-')) {
      this.i++;
      return { t: 'un', op: '-', e: this.unary() };
    }
    return this.postfix();
  }
  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const line = this.cur.line;
        const name = this.ident();
        this.expect('(');
        e = { t: 'method', obj: e, name, args: this.args(), line };
      } else if (this.isOp('[')) {
        this.i++;
        const key = this.expr();
        this.expect(']');
        e = { t: 'index', obj: e, key };
      } else return e;
    }
  }
  private args(): Args {
    const pos: Expr[] = [];
    const kw = new Map<string, Expr>();
    this.skipNl();
    while (!this.isOp(')')) {
      if (this.cur.k === 'id' && this.toks[this.i + 1]?.k === 'op' && this.toks[this.i + 1]!.v === ':') {
        const k = this.cur.v;
        this.i += 2;
        kw.set(k, this.expr());
      } else pos.push(this.expr());
      if (this.isOp(',')) this.i++;
      else if (!this.isOp(')')) this.bad("expected ',' or ')'");
    }
    this.i++;
    return { pos, kw };
  }
  private primary(): Expr {
    const t = this.cur;
    if (t.k === 'str') return this.i++, { t: 'lit', v: { t: 'str', v: t.v } };
    if (t.k === 'fstr') return this.i++, { t: 'fstr', v: t.v, line: t.line };
    if (t.k === 'num') return this.i++, { t: 'lit', v: { t: 'num', v: Number(t.v) } };
    if (t.k === 'id') {
      this.i++;
      if (t.v === 'true' || t.v === 'false') return { t: 'lit', v: { t: 'bool', v: t.v === 'true' } };
      if (this.isOp('(')) {
        this.i++;
        return { t: 'call', name: t.v, args: this.args(), line: t.line };
      }
      return { t: 'id', name: t.v, line: t.line };
    }
    if (this.isOp('(')) {
      this.i++;
      const e = this.expr();
      this.expect(')');
      return e;
    }
    if (this.isOp('[')) {
      this.i++;
      const items: Expr[] = [];
      while (!this.isOp(']')) {
        items.push(this.expr());
        if (this.isOp(',')) this.i++;
        else if (!this.isOp(']')) this.bad("expected ',' or ']'");
      }
      this.i++;
      return { t: 'arr', items };
    }
    if (this.isOp('{')) {
      this.i++;
      const items: [Expr, Expr][] = [];
      while (!this.isOp('}')) {
        const k = this.expr();
        this.expect(':');
        items.push([k, this.expr()]);
        if (this.isOp(',')) this.i++;
        else if (!this.isOp('}')) this.bad("expected ',' or '}'");
      }
      this.i++;
      return { t: 'dict', items };
    }
    return this.bad('expected an expression');
  }
}

/** One meson.build file's statements; a syntax error is a bad-input VmError naming the file and line. */
export function parseMeson(text: string, file: string): Stmt[] {
  return new Parser(tokenize(text, file), file).block([]);
}

// ---------- values ----------

interface Rule {
  /** Where the add() is, for what it cannot read. */
  at: { file: string; line: number };
  when: Value[];
  ifTrue: Value[];
  ifFalse: Value[];
}
type Value =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'arr'; v: Value[] }
  | { t: 'dict'; v: Map<string, Value> }
  | { t: 'file'; path: string }
  | { t: 'ss'; rules: Rule[] }
  | { t: 'dep'; name: string; found: boolean }
  | { t: 'config'; name: string }
  | { t: 'option'; name: string }
  | { t: 'module'; name: string }
  | { t: 'unknown'; why: string };

const NONE: Value = { t: 'unknown', why: 'no value' };

class Jump {
  constructor(readonly v: 'break' | 'continue') {}
}

/** The variables the top-level meson.build defines before it enters the folders, as source sets and dicts. */
const SOURCE_SETS = ['system_ss', 'softmmu_ss', 'specific_ss', 'common_ss', 'util_ss', 'user_ss', 'stub_ss', 'system_stubs_ss', 'hw_common_arch_libs', 'libqemuutil_ss', 'io_ss', 'block_ss', 'crypto_ss', 'authz_ss', 'qom_ss', 'chardev_ss', 'event_loop_base', 'trace_ss', 'blockdev_ss', 'qmp_ss', 'qemu_img_ss', 'storage_daemon_ss'];
const DICTS = ['hw_arch', 'target_arch', 'target_system_arch', 'target_softmmu_arch', 'target_user_arch', 'modules', 'target_modules', 'hw_common_arch'];

class Interp {
  readonly vars = new Map<string, Value>();
  readonly unresolved: MesonUnresolved[] = [];
  private file = '';
  private dir = '';
  /** The line of the statement being run. */
  private line = 0;
  constructor(
    private readonly root: string,
    private readonly host: MesonHost,
  ) {
    for (const n of SOURCE_SETS) this.vars.set(n, { t: 'ss', rules: [] });
    for (const n of DICTS) this.vars.set(n, { t: 'dict', v: new Map() });
    for (const [k, v] of Object.entries(host.vars)) this.vars.set(k, typeof v === 'boolean' ? { t: 'bool', v } : { t: 'str', v });
    for (const n of ['config_all_devices', 'config_host', 'config_all', 'config_all_accel', 'config_target', 'config_devices']) this.vars.set(n, { t: 'config', name: n });
    for (const d of host.deps) this.vars.set(d, { t: 'dep', name: d, found: true });
    for (const d of host.absentDeps) this.vars.set(d, { t: 'dep', name: d, found: false });
    this.vars.set('target_dirs', { t: 'arr', v: [{ t: 'str', v: host.target }] });
    this.vars.set('config_host_data', { t: 'config', name: 'config_host_data' });
    this.vars.set('host_machine', { t: 'module', name: 'host_machine' });
    this.vars.set('ss', { t: 'module', name: 'sourceset' });
    this.vars.set('fs', { t: 'module', name: 'fs' });
    this.vars.set('meson', { t: 'module', name: 'meson' });
  }
  note(what: string, reason: string, line: number) {
    this.unresolved.push({ what, reason, at: { file: this.file, line } });
  }
  runDir(dir: string, line: number) {
    const file = join(dir, 'meson.build');
    const abs = join(this.root, file);
    if (!existsSync(abs)) {
      this.note(`subdir('${dir}')`, `${file} does not exist`, line);
      return;
    }
    const [pf, pd] = [this.file, this.dir];
    [this.file, this.dir] = [file, dir];
    try {
      this.block(parseMeson(readFileSync(abs, 'utf8'), file));
    } catch (e) {
      if (!(e instanceof Jump)) throw e;
      this.note(e.v, 'outside a foreach', this.line);
    } finally {
      [this.file, this.dir] = [pf, pd];
    }
  }
  private block(stmts: Stmt[]) {
    for (const s of stmts) this.stmt(s);
  }
  private stmt(s: Stmt) {
    this.line = s.line;
    switch (s.t) {
      case 'expr':
        this.eval(s.e);
        return;
      case 'assign': {
        const v = this.eval(s.e);
        if (s.op === '=') this.vars.set(s.name, v);
        else {
          const old = this.vars.get(s.name);
          if (!old) this.note(`${s.name} +=`, `${s.name} is not defined`, s.line);
          this.vars.set(s.name, old ? this.plus(old, v) : v);
        }
        return;
      }
      case 'if':
        for (const arm of s.arms) {
          if (arm.c === null || this.truth(this.eval(arm.c), 'if', s.line)) {
            this.block(arm.body);
            return;
          }
        }
        return;
      case 'foreach': {
        const v = this.eval(s.e);
        const items: Value[][] = v.t === 'arr' ? v.v.map((x) => [x]) : v.t === 'dict' ? [...v.v].map(([k, x]) => [{ t: 'str', v: k }, x]) : [];
        if (v.t !== 'arr' && v.t !== 'dict') this.note('foreach', `not an array or dict (${describe(v)})`, s.line);
        for (const it of items) {
          s.vars.forEach((n, k) => this.vars.set(n, it[k] ?? NONE));
          try {
            this.block(s.body);
          } catch (e) {
            if (!(e instanceof Jump)) throw e;
            if (e.v === 'break') break;
          }
        }
        return;
      }
      case 'jump':
        throw new Jump(s.v);
    }
  }
  private plus(a: Value, b: Value): Value {
    if (a.t === 'arr') return { t: 'arr', v: [...a.v, ...(b.t === 'arr' ? b.v : [b])] };
    if (a.t === 'dict' && b.t === 'dict') return { t: 'dict', v: new Map([...a.v, ...b.v]) };
    if (a.t === 'str' && b.t === 'str') return { t: 'str', v: a.v + b.v };
    if (a.t === 'num' && b.t === 'num') return { t: 'num', v: a.v + b.v };
    return { t: 'unknown', why: `${describe(a)} + ${describe(b)}` };
  }
  /** A condition; what cannot be read is noted and taken as true. */
  truth(v: Value, what: string, line: number): boolean {
    if (v.t === 'bool') return v.v;
    if (v.t === 'dep') return v.found;
    // a boolean option used as one, a config value (`'y'` / `'n'`)
    if (v.t === 'option' && this.host.options[v.name] !== undefined) return this.host.options[v.name]!;
    if (v.t === 'str' && (v.v === 'y' || v.v === 'n' || v.v === '')) return v.v === 'y';
    if (v.t === 'unknown') {
      this.note(what, `condition not readable: ${v.why}; taken as true`, line);
      return true;
    }
    this.note(what, `${describe(v)} is not a boolean; taken as true`, line);
    return true;
  }
  private key(v: Value): string | null {
    return v.t === 'str' ? v.v : null;
  }
  eval(e: Expr): Value {
    switch (e.t) {
      case 'lit':
        return e.v;
      case 'fstr': {
        let why = '';
        const v = e.v.replace(/@(\w+)@/g, (_m, n: string) => {
          const x = this.vars.get(n);
          if (x?.t === 'str' || x?.t === 'num' || x?.t === 'bool') return String(x.v);
          why = `f-string variable ${n} (${this.file}:${e.line}) is not a known string`;
          return '';
        });
        return why ? { t: 'unknown', why } : { t: 'str', v };
      }
      case 'id': {
        const v = this.vars.get(e.name);
        return v ?? { t: 'unknown', why: `variable ${e.name} (${this.file}:${e.line}) is not defined here` };
      }
      case 'arr':
        return { t: 'arr', v: e.items.map((x) => this.eval(x)) };
      case 'dict': {
        const m = new Map<string, Value>();
        for (const [k, x] of e.items) {
          const kk = this.key(this.eval(k));
          if (kk !== null) m.set(kk, this.eval(x));
        }
        return { t: 'dict', v: m };
      }
      case 'index': {
        const o = this.eval(e.obj);
        const k = this.eval(e.key);
        if (o.t === 'dict' && k.t === 'str') return o.v.get(k.v) ?? { t: 'unknown', why: `no key ${k.v}` };
        if (o.t === 'arr' && k.t === 'num') return o.v[k.v] ?? { t: 'unknown', why: `no index ${k.v}` };
        if (o.t === 'config' && k.t === 'str') return this.host.keys.has(k.v) ? { t: 'str', v: 'y' } : { t: 'unknown', why: `${o.name}['${k.v}'] is not set` };
        return { t: 'unknown', why: `${describe(o)}[${describe(k)}]` };
      }
      case 'un': {
        const v = this.eval(e.e);
        if (e.op === 'not') {
          if (v.t === 'unknown') return v;
          return { t: 'bool', v: !this.truth(v, 'not', this.line) };
        }
        return v.t === 'num' ? { t: 'num', v: -v.v } : { t: 'unknown', why: `-${describe(v)}` };
      }
      case 'tern': {
        const c = this.eval(e.c);
        if (c.t === 'unknown') return c;
        return this.truth(c, '?:', this.line) ? this.eval(e.a) : this.eval(e.b);
      }
      case 'bin':
        return this.binary(e.op, e.a, e.b);
      case 'call':
        return this.call(e.name, e.args, e.line);
      case 'method':
        return this.method(this.eval(e.obj), e.name, e.args, e.line);
    }
  }
  private binary(op: string, ea: Expr, eb: Expr): Value {
    const a = this.eval(ea);
    if (op === 'and' || op === 'or') {
      if (a.t === 'unknown') return a;
      const ta = this.truth(a, op, this.line);
      if (op === 'and' ? !ta : ta) return { t: 'bool', v: ta };
      const b = this.eval(eb);
      return b.t === 'unknown' ? b : { t: 'bool', v: this.truth(b, op, this.line) };
    }
    const b = this.eval(eb);
    if (op === 'in') {
      if (b.t === 'config' && a.t === 'str') return { t: 'bool', v: this.host.keys.has(a.v) };
      if (b.t === 'arr') return { t: 'bool', v: b.v.some((x) => same(x, a)) };
      if (b.t === 'dict' && a.t === 'str') return { t: 'bool', v: b.v.has(a.v) };
      return { t: 'unknown', why: `${describe(a)} in ${describe(b)}` };
    }
    if (a.t === 'unknown') return a;
    if (b.t === 'unknown') return b;
    if (op === '==' || op === '!=') return { t: 'bool', v: same(a, b) === (op === '==') };
    if (op === '+') return this.plus(a, b);
    if (op === '/' && a.t === 'str' && b.t === 'str') return { t: 'str', v: join(a.v, b.v) };
    if (a.t === 'num' && b.t === 'num') {
      const r = op === '<' ? a.v < b.v : op === '>' ? a.v > b.v : op === '<=' ? a.v <= b.v : op === '>=' ? a.v >= b.v : null;
      if (r !== null) return { t: 'bool', v: r };
      return { t: 'num', v: op === '-' ? a.v - b.v : op === '*' ? a.v * b.v : op === '/' ? Math.trunc(a.v / b.v) : a.v % b.v };
    }
    return { t: 'unknown', why: `${describe(a)} ${op} ${describe(b)}` };
  }
  private call(name: string, args: Args, line: number): Value {
    const pos = () => args.pos.map((x) => this.eval(x));
    switch (name) {
      case 'files':
        return { t: 'arr', v: flat(pos()).map((v) => (v.t === 'str' ? { t: 'file', path: join(this.dir, v.v) } : v)) };
      case 'subdir': {
        const d = pos()[0];
        if (d?.t !== 'str') this.note('subdir()', `argument is ${d ? describe(d) : 'missing'}`, line);
        else this.runDir(join(this.dir, d.v), line);
        return NONE;
      }
      case 'get_option': {
        const o = pos()[0];
        return o?.t === 'str' ? { t: 'option', name: o.v } : { t: 'unknown', why: 'get_option() of a non-string' };
      }
      case 'import': {
        const m = pos()[0];
        return { t: 'module', name: m?.t === 'str' ? m.v : '?' };
      }
      case 'message':
      case 'warning':
      case 'summary':
      case 'assert':
      case 'error':
        return NONE;
      default:
        // build products (static_library, custom_target, declare_dependency …) hold no source list this reads
        return { t: 'unknown', why: `${name}() (${this.file}:${line}) is not interpreted` };
    }
  }
  private method(o: Value, name: string, args: Args, line: number): Value {
    const pos = () => args.pos.map((x) => this.eval(x));
    if (o.t === 'module' && o.name === 'sourceset' && name === 'source_set') return { t: 'ss', rules: [] };
    if (o.t === 'module' && o.name === 'host_machine') {
      const v = { cpu_family: 'x86_64', cpu: 'x86_64', system: String(this.host.vars.host_os ?? 'linux'), endian: 'little' }[name];
      if (v) return { t: 'str', v };
    }
    if (o.t === 'ss' && (name === 'add' || name === 'add_all')) {
      const when = args.kw.get('when');
      const it = args.kw.get('if_true');
      const ifFalse = args.kw.get('if_false');
      const rule: Rule = {
        at: { file: this.file, line },
        when: when ? flat([this.eval(when)]) : [],
        ifTrue: flat([...pos(), ...(it ? [this.eval(it)] : [])]),
        ifFalse: ifFalse ? flat([this.eval(ifFalse)]) : [],
      };
      // strings are files relative to the folder that adds them
      rule.ifTrue = rule.ifTrue.map((x) => (x.t === 'str' ? { t: 'file', path: join(this.dir, x.v) } : x));
      rule.ifFalse = rule.ifFalse.map((x) => (x.t === 'str' ? { t: 'file', path: join(this.dir, x.v) } : x));
      o.rules.push(rule);
      return NONE;
    }
    if (o.t === 'config' && (name === 'has_key' || name === 'has' || name === 'get')) {
      const k = pos()[0];
      if (k?.t !== 'str') return { t: 'unknown', why: `${o.name}.${name}() of a non-string` };
      if (name === 'get') return this.host.keys.has(k.v) ? { t: 'bool', v: true } : (pos()[1] ?? { t: 'bool', v: false });
      return { t: 'bool', v: this.host.keys.has(k.v) };
    }
    if (o.t === 'dep' && name === 'found') return { t: 'bool', v: o.found };
    if (o.t === 'option') {
      const v = this.host.options[o.name];
      if (v === undefined) return { t: 'unknown', why: `get_option('${o.name}') is not known` };
      if (name === 'allowed' || name === 'enabled') return { t: 'bool', v };
      if (name === 'disabled') return { t: 'bool', v: !v };
    }
    if (o.t === 'dict' && (name === 'has_key' || name === 'get')) {
      const k = pos()[0];
      if (k?.t !== 'str') return { t: 'unknown', why: `dict.${name}() of a non-string` };
      if (name === 'has_key') return { t: 'bool', v: o.v.has(k.v) };
      return o.v.get(k.v) ?? pos()[1] ?? { t: 'unknown', why: `no key ${k.v}` };
    }
    if (o.t === 'arr' && name === 'contains') return { t: 'bool', v: o.v.some((x) => same(x, pos()[0] ?? NONE)) };
    if (o.t === 'str' && name === 'format') {
      const a = pos();
      if (a.every((x) => x.t === 'str' || x.t === 'num')) return { t: 'str', v: o.v.replace(/@(\d+)@/g, (_m, k: string) => String((a[Number(k)] as { v: unknown } | undefined)?.v ?? '')) };
    }
    if (o.t === 'str' && name === 'to_upper') return { t: 'str', v: o.v.toUpperCase() };
    if (o.t === 'str' && name === 'to_lower') return { t: 'str', v: o.v.toLowerCase() };
    if (o.t === 'str' && name === 'startswith') return { t: 'bool', v: o.v.startsWith(this.key(pos()[0] ?? NONE) ?? '\0') };
    if (o.t === 'str' && name === 'endswith') return { t: 'bool', v: o.v.endsWith(this.key(pos()[0] ?? NONE) ?? '\0') };
    if (o.t === 'unknown') return o;
    return { t: 'unknown', why: `${describe(o)}.${name}() (${this.file}:${line}) is not interpreted` };
  }
}

function flat(vs: Value[]): Value[] {
  return vs.flatMap((v) => (v.t === 'arr' ? flat(v.v) : [v]));
}

function same(a: Value, b: Value): boolean {
  if (a.t !== b.t) return false;
  return 'v' in a && 'v' in b ? a.v === b.v : false;
}

function describe(v: Value): string {
  switch (v.t) {
    case 'str':
      return `'${v.v}'`;
    case 'num':
    case 'bool':
      return String(v.v);
    case 'unknown':
      return `(${v.why})`;
    case 'dep':
      return `dependency ${v.name}`;
    default:
      return v.t;
  }
}

/** Build products and libraries an add() may list beside its files: no source of the tree. */
const NOT_SOURCES = /^(static_library|declare_dependency|dependency|custom_target|configure_file|shared_module|find_library|find_program|generator|library)\(\)/;

/** sourceset.apply(config_target): the files of the rules that hold, the if_false files of those that do not, nested sets included; what it cannot read in a rule it applies is noted. */
function apply(ss: Value, host: MesonHost, out: Set<string>, notes: MesonUnresolved[], seen = new Set<Value>()): void {
  if (ss.t !== 'ss' || seen.has(ss)) return;
  seen.add(ss);
  for (const r of ss.rules) {
    let ok = true;
    for (const w of r.when) {
      if (w.t === 'str') ok &&= host.keys.has(w.v);
      else if (w.t === 'dep') ok &&= w.found;
      else if (w.t === 'bool') ok &&= w.v;
      else if (w.t === 'unknown') notes.push({ what: 'add(when:)', reason: `${w.why}; taken as true`, at: r.at });
    }
    for (const x of ok ? r.ifTrue : r.ifFalse) {
      if (x.t === 'file') out.add(x.path);
      else if (x.t === 'ss') apply(x, host, out, notes, seen);
      else if (x.t === 'unknown' && !NOT_SOURCES.test(x.why)) notes.push({ what: 'add()', reason: `a source that is not a file: ${x.why}`, at: r.at });
    }
  }
}

/**
 * The .c files of `dirs` (each a folder with a meson.build, entered the way
 * the top-level meson.build's `subdir()` would) that the target is built from.
 */
export function mesonSources(root: string, dirs: readonly string[], host: MesonHost): MesonSources {
  const it = new Interp(root, host);
  for (const d of dirs) it.runDir(d, 0);
  const linked = new Set<string>();
  for (const n of ['system_ss', 'softmmu_ss', 'specific_ss', 'common_ss', 'util_ss']) apply(it.vars.get(n)!, host, linked, it.unresolved);
  for (const n of ['hw_arch', 'target_arch', 'target_system_arch', 'target_softmmu_arch']) {
    const d = it.vars.get(n);
    if (d?.t === 'dict') apply(d.v.get(host.arch) ?? NONE, host, linked, it.unresolved);
  }
  const modules: Record<string, string> = {};
  const mods = it.vars.get('modules');
  if (mods?.t === 'dict') {
    for (const [group, list] of mods.v) {
      if (list.t !== 'dict') continue;
      for (const [name, ss] of list.v) {
        const files = new Set<string>();
        apply(ss, host, files, it.unresolved);
        for (const f of files) if (!linked.has(f) && !(f in modules)) modules[f] = `${group}-${name}`;
      }
    }
  }
  const files = [...linked, ...Object.keys(modules)].filter((f) => f.endsWith('.c'));
  return { files: [...new Set(files)].sort(), modules, unresolved: it.unresolved };
}
