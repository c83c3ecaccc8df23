import type { Engine } from '../../src/machine/engine.js';
import { decode } from '../../src/wire/decode.js';
import { encodeStream } from '../../src/wire/encode.js';
import { VmError } from '../../src/wire/errors.js';
import { walk } from '../../src/wire/walk.js';

/**
 * What every parser of an untrusted stream does with one input: `decode` (and, when it
 * decodes, re-encode byte for byte), `walk`, and the model destination's `Engine.load`.
 * A parser may succeed or fail with a VmError whose message is complete; anything else
 * (another exception, a message with NaN/undefined/[object Object], a re-encode that
 * differs) is a finding.
 */

export type Verdict =
  | { outcome: 'ok' }
  | { outcome: 'typed'; kind: string }
  | { outcome: 'crash'; detail: string }
  | { outcome: 'incomplete-message'; detail: string }
  | { outcome: 'reencode-mismatch'; detail: string };

export interface InputResult {
  /** One verdict per parser run. */
  verdicts: { parser: string; verdict: Verdict }[];
  ms: number;
  /** CPU time of the process meanwhile: wall time on a busy machine also counts waiting for a core. */
  cpuMs: number;
}

/** Words that mean a value was missing or printed as nothing when the message was built. */
const INCOMPLETE = /\bNaN\b|\bundefined\b|\[object Object\]/;

/** Bytes from the stream must reach a terminal escaped: no control character, no line break. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Why a message a user would read is incomplete, or null when it is fine. */
export function incompleteMessage(text: string): string | null {
  if (!text.trim()) return 'empty message';
  const c = UNPRINTABLE.exec(text);
  if (c) return `control character U+${c[0].charCodeAt(0).toString(16).padStart(4, '0')} in: ${JSON.stringify(text.slice(Math.max(0, c.index - 80), c.index + 80))}`;
  const m = INCOMPLETE.exec(text);
  return m ? `'${m[0]}' in: ${text.slice(Math.max(0, m.index - 80), m.index + 80)}` : null;
}

function judge(run: () => { ok: true } | { ok: false; error: unknown }): Verdict {
  let r: { ok: true } | { ok: false; error: unknown };
  try {
    r = run();
  } catch (e) {
    r = { ok: false, error: e };
  }
  if (r.ok) return { outcome: 'ok' };
  const e = r.error;
  if (!(e instanceof VmError)) {
    const err = e as Error;
    return { outcome: 'crash', detail: `${err?.name ?? typeof e}: ${String(err?.message ?? e).slice(0, 300)}` };
  }
  for (const text of [e.message, ...e.qemu]) {
    const why = incompleteMessage(text);
    if (why) return { outcome: 'incomplete-message', detail: `${e.kind}: ${why}` };
  }
  for (const text of [e.path ?? '', e.vmsd ?? '']) {
    const m = INCOMPLETE.exec(text);
    if (m) return { outcome: 'incomplete-message', detail: `${e.kind}: '${m[0]}' in path ${JSON.stringify(text.slice(0, 120))}` };
  }
  if (e.offset !== null && !Number.isSafeInteger(e.offset)) return { outcome: 'incomplete-message', detail: `${e.kind}: offset ${String(e.offset)}` };
  return { outcome: 'typed', kind: e.kind };
}

export function runInput(bytes: Uint8Array, engine?: Engine): InputResult {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const verdicts: InputResult['verdicts'] = [];
  verdicts.push({
    parser: 'decode',
    verdict: judge(() => {
      const d = decode(bytes);
      if (!d.ok) return d;
      const out = encodeStream(d.value);
      if (out.length !== bytes.length || Buffer.compare(out, bytes) !== 0) throw new ReencodeMismatch(out, bytes);
      return { ok: true };
    }),
  });
  const last = verdicts[0]!;
  if (last.verdict.outcome === 'crash' && last.verdict.detail.startsWith('ReencodeMismatch')) {
    last.verdict = { outcome: 'reencode-mismatch', detail: last.verdict.detail };
  }
  verdicts.push({ parser: 'walk', verdict: judge(() => walk(bytes)) });
  if (engine) {
    verdicts.push({
      parser: 'engine.load',
      verdict: judge(() => {
        const r = engine.load(bytes, { trace: false });
        if (!r.ok) return r;
        for (const w of r.warnings) {
          const why = incompleteMessage(w.message);
          if (why) return { ok: false, error: new VmError({ kind: w.kind, message: w.message }) };
        }
        return { ok: true };
      }),
    });
  }
  const c = process.cpuUsage(c0);
  return { verdicts, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

class ReencodeMismatch extends Error {
  constructor(out: Uint8Array, input: Uint8Array) {
    let at = 0;
    while (at < out.length && at < input.length && out[at] === input[at]) at++;
    super(`decode → encode differs from the input at ${at} (input ${input.length} bytes, re-encoded ${out.length})`);
    this.name = 'ReencodeMismatch';
  }
}
