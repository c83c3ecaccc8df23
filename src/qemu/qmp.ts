import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { QemuError } from './errors.js';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

interface Pending {
  command: string;
  resolve: (v: unknown) => void;
  reject: (e: QemuError) => void;
  timer: NodeJS.Timeout;
}

interface Waiter {
  name: string;
  match: (e: QmpEvent) => boolean;
  resolve: (e: QmpEvent) => void;
  reject: (e: QemuError) => void;
  timer: NodeJS.Timeout;
}

export interface QmpConnectOptions {
  /** Give up connecting (and on the greeting) after this long. */
  timeoutMs?: number;
  /** Stop retrying early, e.g. when the QEMU process has exited. */
  signal?: AbortSignal;
  /** Per-command default timeout. */
  commandTimeoutMs?: number;
  /** Who is on the other end, for messages (`QEMU 10.0 (/usr/bin/qemu-system-x86_64)`). */
  peer?: string;
}

/**
 * Longest QMP line accepted. QEMU's largest replies (query-qmp-schema, a few hundred
 * KiB) are far below it; a peer that sends more without a newline is not speaking QMP,
 * and buffering it would grow without bound.
 */
export const MAX_QMP_LINE = 8 << 20;

/** A short printable excerpt of what a peer sent, for a message. */
function excerpt(s: string, max = 120): string {
  const t = s.length > max ? `${s.slice(0, max)}…` : s;
  return JSON.stringify(t);
}

/**
 * QMP over a unix socket: one JSON object per line; replies carry the `id` we sent,
 * events arrive asynchronously and are kept in `events` so a waiter that starts late
 * still sees them.
 */
export class QmpClient {
  readonly events: QmpEvent[] = [];
  greeting: Record<string, unknown> | null = null;
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly waiters = new Set<Waiter>();
  private closedError: QemuError | null = null;

  private constructor(
    private readonly sock: Socket,
    readonly commandTimeoutMs: number,
    readonly peer: string,
  ) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => this.onData(chunk));
    sock.on('error', () => {}); // 'close' follows and reports it
    sock.on('close', () => this.fail(new QemuError({ kind: 'qmp-closed', message: `${this.peer} closed its QMP socket (exited?)` })));
  }

  /**
   * Connects to a QEMU started with `-qmp unix:PATH,server=on,wait=off`, reads the
   * greeting and leaves capability negotiation mode. The socket appears some time
   * after the process starts and QEMU has no readiness signal we can wait on, so
   * connecting is retried with a short backoff until `timeoutMs` or `signal`.
   */
  static async connect(path: string, opts: QmpConnectOptions = {}): Promise<QmpClient> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    let wait = 2;
    let lastErr: unknown;
    for (;;) {
      opts.signal?.throwIfAborted();
      let client: QmpClient | undefined;
      try {
        client = new QmpClient(await openSocket(path), opts.commandTimeoutMs ?? 10_000, opts.peer ?? `the QMP server at ${path}`);
        await client.handshake(Math.max(1, deadline - Date.now()));
        return client;
      } catch (e) {
        client?.close();
        if (e instanceof QemuError && e.kind !== 'qmp-closed') throw e;
        lastErr = e;
      }
      if (Date.now() + wait > deadline) {
        throw new QemuError({
          kind: 'start-failed',
          message: `no QMP server at ${path} after ${timeoutMs} ms: ${(lastErr as Error)?.message ?? 'unknown error'}`,
        });
      }
      try {
        await delay(wait, undefined, { signal: opts.signal });
      } catch {
        opts.signal?.throwIfAborted();
      }
      wait = Math.min(wait * 2, 100);
    }
  }

  private async handshake(timeoutMs: number): Promise<void> {
    const greeting = await new Promise<Record<string, unknown>>((res, rej) => {
      const timer = setTimeout(
        () => rej(new QemuError({ kind: 'qmp-timeout', message: `no QMP greeting within ${timeoutMs} ms` })),
        timeoutMs,
      );
      this.onGreeting = (g) => {
        clearTimeout(timer);
        res(g);
      };
      this.onGreetingFail = (e) => {
        clearTimeout(timer);
        rej(e);
      };
    });
    this.greeting = greeting;
    await this.execute('qmp_capabilities', undefined, { timeoutMs });
  }

  private onGreeting: ((g: Record<string, unknown>) => void) | null = null;
  private onGreetingFail: ((e: QemuError) => void) | null = null;

  /** QEMU's version triple from the greeting, e.g. '10.0.2'. */
  get qemuVersion(): string | null {
    const q = (this.greeting?.QMP as { version?: { qemu?: { major: number; minor: number; micro: number } } })?.version?.qemu;
    return q ? `${q.major}.${q.minor}.${q.micro}` : null;
  }

  private onData(chunk: string): void {
    if (this.closedError) return;
    // Only the new chunk can hold the next newline: scanning the whole buffer again
    // would make a long line quadratic.
    if (chunk.indexOf('\n') < 0) {
      this.buf += chunk;
      if (this.buf.length > MAX_QMP_LINE) this.tooLong();
      return;
    }
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line) this.onMessage(line);
      if (this.closedError) return;
    }
    if (this.buf.length > MAX_QMP_LINE) this.tooLong();
  }

  private tooLong(): void {
    const head = this.buf.slice(0, 60);
    this.buf = '';
    this.protocolError(`sent more than ${MAX_QMP_LINE} bytes on its QMP socket without a newline (starting ${excerpt(head)}): not QMP`);
  }

  private protocolError(what: string): void {
    this.fail(new QemuError({ kind: 'qmp-protocol', message: `${this.peer} ${what}` }));
    this.sock.destroy();
  }

  private onMessage(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.protocolError(`sent a line that is not JSON on its QMP socket: ${excerpt(line)}`);
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.protocolError(`sent ${excerpt(line)} on its QMP socket: a QMP message is a JSON object`);
      return;
    }
    const msg = parsed as Record<string, unknown>;
    if ('QMP' in msg) {
      this.onGreeting?.(msg);
      this.onGreeting = this.onGreetingFail = null;
    } else if ('event' in msg) {
      if (typeof msg.event !== 'string' || (msg.data !== undefined && (typeof msg.data !== 'object' || msg.data === null))) {
        this.protocolError(`sent an event that is not a QMP event: ${excerpt(line)}`);
        return;
      }
      const ev = msg as unknown as QmpEvent;
      this.events.push(ev);
      for (const w of this.waiters) {
        if (w.name === ev.event && w.match(ev)) {
          this.waiters.delete(w);
          clearTimeout(w.timer);
          w.resolve(ev);
        }
      }
    } else if ('id' in msg) {
      const p = this.pending.get(String(msg.id));
      if (!p) return;
      this.pending.delete(String(msg.id));
      clearTimeout(p.timer);
      if ('error' in msg) {
        const raw = msg.error;
        const err = (typeof raw === 'object' && raw !== null ? raw : { desc: String(raw) }) as { class?: string; desc?: string };
        p.reject(
          new QemuError({
            kind: 'qmp-error',
            message: `QMP ${p.command} failed: ${typeof err.desc === 'string' ? err.desc : JSON.stringify(err)}`,
            command: p.command,
            errorClass: err.class,
            desc: err.desc,
          }),
        );
      } else {
        p.resolve(msg.return);
      }
    }
  }

  private fail(err: QemuError): void {
    if (this.closedError) return;
    this.closedError = err;
    this.onGreetingFail?.(err);
    this.onGreeting = this.onGreetingFail = null;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(new QemuError({ ...err, kind: err.kind, message: `QMP ${p.command}: ${err.message}`, command: p.command }));
    }
    for (const w of this.waiters) {
      this.waiters.delete(w);
      clearTimeout(w.timer);
      w.reject(new QemuError({ kind: err.kind, message: `waiting for event ${w.name}: ${err.message}` }));
    }
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Runs one command; rejects with QemuError carrying the command and QEMU's `desc`. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts: { timeoutMs?: number } = {}): Promise<T> {
    if (this.closedError) {
      return Promise.reject(
        new QemuError({ kind: this.closedError.kind, message: `QMP ${command}: ${this.closedError.message}`, command }),
      );
    }
    const id = String(this.nextId++);
    const timeoutMs = opts.timeoutMs ?? this.commandTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QemuError({ kind: 'qmp-timeout', message: `QMP ${command}: no reply within ${timeoutMs} ms`, command }));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      this.sock.write(JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id }) + '\n');
    });
  }

  /**
   * Resolves with the first event `name` (matching `match`) received after `since`
   * (an index into `events`, default 0: already-received events count).
   */
  waitForEvent(
    name: string,
    timeoutMs: number,
    match: (e: QmpEvent) => boolean = () => true,
    since = 0,
  ): Promise<QmpEvent> {
    const seen = this.events.slice(since).find((e) => e.event === name && match(e));
    if (seen) return Promise.resolve(seen);
    if (this.closedError) {
      return Promise.reject(new QemuError({ kind: this.closedError.kind, message: `waiting for event ${name}: ${this.closedError.message}` }));
    }
    return new Promise<QmpEvent>((resolve, reject) => {
      const w: Waiter = {
        name,
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(new QemuError({ kind: 'qmp-timeout', message: `no ${name} event within ${timeoutMs} ms` }));
        }, timeoutMs),
      };
      this.waiters.add(w);
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

function openSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e) => {
      s.destroy();
      reject(e);
    });
  });
}
