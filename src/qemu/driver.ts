import { existsSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { dir as tmpDir } from 'tmp-promise';
import type { QemuBinary } from './binaries.js';
import { QemuError } from './errors.js';
import { QmpClient, type QmpEvent } from './qmp.js';

/** What to boot: always paused (-S), no default devices, no display. */
export interface VmConfig {
  /** Versioned machine type, e.g. 'pc-q35-7.2'. */
  machine: string;
  /** Guest RAM in MiB (default 32: the stream is mostly RAM, keep it small). */
  memMb?: number;
  /** `-device` values, e.g. ['isa-serial', 'virtio-gpu-pci']. */
  devices?: string[];
  /** Anything else, appended last. */
  args?: string[];
}

export interface RunOptions {
  binary: QemuBinary;
  vm: VmConfig;
  /** Whole-operation budget; past it the process is killed (default 30 s). */
  timeoutMs?: number;
  /** Observe the process as soon as it exists (tests use it to check cleanup). */
  onStart?: (info: { pid: number; dir: string }) => void;
}

export interface ExitInfo {
  exitCode: number | undefined;
  signal: string | undefined;
  stderr: string;
}

export type LoadResult =
  | { ok: true; status: string; stderr: string; ms: number }
  | {
      ok: false;
      /**
       * 'load-failed': QEMU rejected the stream (it exits and says why on stderr);
       * 'save-failed': it loaded the stream but could not migrate it out again.
       */
      kind: 'load-failed' | 'save-failed' | 'timeout' | 'start-failed' | 'qmp-error';
      message: string;
      stderr: string;
      exitCode: number | undefined;
      ms: number;
    };

/* ---------- process registry: nothing outlives us, not even on Ctrl-C ---------- */

const live = new Map<number, string>(); // pid -> temp dir
/** Every QEMU this process started, for the leak check tests run after themselves. */
const started: { pid: number; dir: string }[] = [];
let hooked = false;

/**
 * QEMU processes this process started that are still running, and their temp dirs
 * that still exist: empty unless something leaked.
 */
export function leftovers(): { pid: number; dir: string; running: boolean; dirExists: boolean }[] {
  return started
    .map((s) => ({ ...s, running: running(s.pid), dirExists: existsSync(s.dir) }))
    .filter((s) => s.running || s.dirExists);
}

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function killGroup(pid: number): void {
  // QEMU runs detached as a process-group leader, so its `sh -c cat …` children die too.
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

function killAllSync(): void {
  for (const [pid, dir] of live) {
    killGroup(pid);
    rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

function installHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllSync();
      // Keep the default meaning of the signal unless someone else handles it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

/* ---------- one running QEMU ---------- */

export class QemuInstance {
  private disposed = false;
  private stderrText = '';

  private constructor(
    readonly binary: QemuBinary,
    readonly dir: string,
    readonly proc: ResultPromise,
    readonly exited: Promise<ExitInfo>,
    public qmp: QmpClient | null,
  ) {}

  get pid(): number {
    return this.proc.pid!;
  }

  /** stderr so far (complete once `exited` has resolved). */
  get stderr(): string {
    return this.stderrText;
  }

  /**
   * Starts `binary` paused with a QMP socket in a fresh temp dir and connects to it.
   * On any failure the process is killed and the dir removed before this rejects.
   */
  static async start(opts: RunOptions & { incoming?: boolean; deadline?: number }): Promise<QemuInstance> {
    const deadline = opts.deadline ?? Date.now() + (opts.timeoutMs ?? 30_000);
    const { path: dir } = await tmpDir({ prefix: 'vmcompat-qemu-', unsafeCleanup: true });
    const sock = join(dir, 'qmp.sock');
    const { vm, binary } = opts;
    const args = [
      ...binary.extraArgs,
      '-S',
      '-nodefaults',
      '-display', 'none',
      '-machine', vm.machine,
      '-m', String(vm.memMb ?? 32),
      ...(vm.devices ?? []).flatMap((d) => ['-device', d]),
      '-qmp', `unix:${sock},server=on,wait=off`,
      ...(opts.incoming ? ['-incoming', 'defer'] : []),
      ...(vm.args ?? []),
    ];
    installHooks();
    const proc = execa(binary.path, args, {
      env: binary.env,
      extendEnv: true,
      stdin: 'ignore',
      reject: false,
      detached: true, // own process group: see killGroup
      cleanup: false, // our own hooks handle exit (execa skips detached children anyway)
      cwd: dir,
    });
    if (proc.pid === undefined) {
      rmSync(dir, { recursive: true, force: true });
      const r = await proc;
      throw new QemuError({ kind: 'start-failed', message: `could not run ${binary.path}: ${r.message}` });
    }
    live.set(proc.pid, dir);
    started.push({ pid: proc.pid, dir });
    opts.onStart?.({ pid: proc.pid, dir });

    let inst!: QemuInstance;
    const exited = proc.then((r) => {
      const info: ExitInfo = { exitCode: r.exitCode, signal: r.signal, stderr: String(r.stderr ?? '') };
      inst.stderrText = info.stderr;
      return info;
    });
    inst = new QemuInstance(binary, dir, proc, exited, null);
    proc.stderr?.on('data', (b: Buffer) => (inst.stderrText += b.toString()));

    const abort = new AbortController();
    void exited.then(() => abort.abort());
    try {
      inst.qmp = await QmpClient.connect(sock, { timeoutMs: Math.max(1, deadline - Date.now()), signal: abort.signal });
      return inst;
    } catch (e) {
      const exitedFirst = abort.signal.aborted; // dispose() below makes it exit too
      const info = await inst.dispose();
      const why = exitedFirst
        ? `exited (code ${info.exitCode ?? info.signal}) before its QMP socket answered`
        : `did not answer on QMP within the time limit and was killed`;
      throw new QemuError({
        kind: 'start-failed',
        message: `QEMU ${binary.name} (${binary.path}) ${why}: ${info.stderr.trim() || (e as Error).message}`,
        stderr: info.stderr,
      });
    }
  }

  /** Kills the process group, waits for the exit and removes the temp dir. Idempotent. */
  async dispose(): Promise<ExitInfo> {
    if (!this.disposed) {
      this.disposed = true;
      this.qmp?.close();
      killGroup(this.pid);
    }
    const info = await this.exited;
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this.pid);
    return info;
  }

  /**
   * Waits for a MIGRATION event whose status is one of `statuses`, or for the process
   * to exit, whichever comes first. Needs the `events` capability (see enableEvents).
   * `since` (an index into the QMP event log) skips the events of an earlier migration.
   */
  async migrationOutcome(statuses: string[], timeoutMs: number, since = 0): Promise<{ event: QmpEvent } | { exit: ExitInfo }> {
    const qmp = this.qmp!;
    return Promise.race([
      qmp.waitForEvent('MIGRATION', timeoutMs, (e) => statuses.includes(String(e.data?.status)), since).then((event) => ({ event })),
      this.exited.then((exit) => ({ exit })),
    ]);
  }

  /** Turn on MIGRATION state-change events so completion is awaited, not polled. */
  async enableEvents(): Promise<void> {
    await this.qmp!.execute('migrate-set-capabilities', { capabilities: [{ capability: 'events', state: true }] });
  }
}

/** Runs `fn` with a started QEMU and always disposes it, also on timeout. */
export async function withQemu<T>(
  opts: RunOptions & { incoming?: boolean },
  fn: (q: QemuInstance, remainingMs: () => number) => Promise<T>,
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const q = await QemuInstance.start({ ...opts, deadline });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<never>((_, rej) => {
      timer = setTimeout(
        () => rej(new QemuError({ kind: 'timeout', message: `QEMU ${opts.binary.name} did not finish within ${timeoutMs} ms; killed` })),
        Math.max(1, deadline - Date.now()),
      );
    });
    return await Promise.race([fn(q, () => Math.max(1, deadline - Date.now())), timedOut]);
  } catch (e) {
    const info = await q.dispose();
    // Waits inside `fn` use the same deadline and may fire first: still a timeout.
    if (e instanceof QemuError && e.kind !== 'timeout' && Date.now() >= deadline) {
      throw new QemuError({
        kind: 'timeout',
        message: `QEMU ${opts.binary.name} did not finish within ${timeoutMs} ms; killed (${e.message})`,
        command: e.command,
        stderr: info.stderr,
      });
    }
    if (e instanceof QemuError && !e.stderr) e.stderr = info.stderr;
    throw e;
  } finally {
    clearTimeout(timer);
    await q.dispose();
  }
}

/** Single-quote for /bin/sh: QEMU runs `exec:` URIs through `sh -c`. */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Migrates the (paused) VM in `q` into a unix socket we listen on and returns every
 * byte QEMU sent. Not `exec:cat > FILE`: QEMU reports 'completed' once the pipe has
 * the data, not when cat has written it, so a file read right after the event can be
 * short (seen on 10.0: the vmdesc cut off). The socket's end is the real end. The
 * source never validates anything, so 'completed' is all it can say.
 */
export async function migrateOut(q: QemuInstance, remaining: () => number): Promise<Uint8Array> {
  const sockPath = join(q.dir, `out-${q.qmp!.events.length}.sock`);
  const chunks: Buffer[] = [];
  let conn: Socket | undefined;
  const server = createServer((c) => {
    conn = c;
    server.close(); // one connection only
    c.on('data', (b: Buffer) => chunks.push(b));
  });
  const ended = new Promise<void>((res, rej) => {
    server.once('connection', (c: Socket) => {
      c.once('end', () => res());
      c.once('error', rej);
    });
  });
  ended.catch(() => {}); // observed below; an early failure must not go unhandled
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(sockPath, () => res());
  });
  try {
    const since = q.qmp!.events.length;
    await q.qmp!.execute('migrate', { uri: `unix:${sockPath}` });
    const out = await q.migrationOutcome(['completed', 'failed', 'cancelled'], remaining(), since);
    if ('exit' in out) {
      throw new QemuError({
        kind: 'migration-failed',
        message: `QEMU ${q.binary.name} exited during the save (code ${out.exit.exitCode ?? out.exit.signal}): ${out.exit.stderr.trim()}`,
        stderr: out.exit.stderr,
      });
    }
    const status = String(out.event.data?.status);
    if (status !== 'completed') {
      const info = await q.qmp!.execute<{ 'error-desc'?: string }>('query-migrate');
      throw new QemuError({
        kind: 'migration-failed',
        message: `save on QEMU ${q.binary.name} ended with status ${status}: ${info['error-desc'] ?? q.stderr.trim()}`,
        command: 'migrate',
        desc: info['error-desc'],
        stderr: q.stderr,
      });
    }
    await ended;
    return new Uint8Array(Buffer.concat(chunks));
  } finally {
    conn?.destroy();
    server.close();
  }
}

/** Boots the VM paused and migrates it to a file; returns the stream. */
export async function saveToFile(opts: RunOptions): Promise<Uint8Array> {
  return withQemu(opts, async (q, remaining) => {
    await q.enableEvents();
    return migrateOut(q, remaining);
  });
}

/**
 * Starts a destination with `-incoming defer` and feeds it `stream` (a path or bytes)
 * through `migrate-incoming exec:cat FILE`. A destination that rejects the stream
 * prints QEMU's error lines on stderr and exits (7.2 cannot be told otherwise): that
 * exit is the failure signal. Success is MIGRATION status 'completed'; the guest
 * stays paused because of -S.
 */
export async function loadFromFile(opts: RunOptions, stream: string | Uint8Array): Promise<LoadResult> {
  const r = await incoming(opts, stream, false);
  if (!r.ok) return r;
  return { ok: true, status: r.status, stderr: r.stderr, ms: r.ms };
}

export type ThroughResult =
  | { ok: true; status: string; stderr: string; ms: number; loadMs: number; stream: Uint8Array }
  | Exclude<LoadResult, { ok: true }>;

/**
 * The destination half of a real case: loads `stream` like loadFromFile and, once the
 * load completed, migrates the (still paused) VM to a file again — at the same machine
 * type, with the destination's own code — and returns that stream.
 */
export async function loadAndSave(opts: RunOptions, stream: string | Uint8Array): Promise<ThroughResult> {
  return incoming(opts, stream, true);
}

async function incoming(opts: RunOptions, stream: string | Uint8Array, thenSave: boolean): Promise<ThroughResult> {
  const t0 = Date.now();
  const ms = () => Date.now() - t0;
  try {
    return await withQemu({ ...opts, incoming: true }, async (q, remaining): Promise<ThroughResult> => {
      let file: string;
      if (typeof stream === 'string') file = stream;
      else {
        file = join(q.dir, 'incoming.bin');
        await writeFile(file, stream);
      }
      await q.enableEvents();
      await q.qmp!.execute('migrate-incoming', { uri: `exec:cat ${shQuote(file)}` });
      const out = await q.migrationOutcome(['completed', 'failed'], remaining());
      if ('exit' in out) return loadFailed(out.exit, ms());
      if (out.event.data?.status === 'completed') {
        // The destination must still be alive and paused (it exits on a late failure).
        const st = await q.qmp!.execute<{ status: string }>('query-status');
        const loadMs = ms();
        if (!thenSave) return { ok: true, status: st.status, stderr: q.stderr, ms: loadMs, loadMs, stream: new Uint8Array() };
        let resaved: Uint8Array;
        try {
          resaved = await migrateOut(q, remaining);
        } catch (e) {
          if (!(e instanceof QemuError) || e.kind !== 'migration-failed') throw e;
          return { ok: false, kind: 'save-failed', message: e.message, stderr: q.stderr, exitCode: undefined, ms: ms() };
        }
        return { ok: true, status: st.status, stderr: q.stderr, ms: ms(), loadMs, stream: resaved };
      }
      // 'failed': 7.2 is already on its way out and prints the reason as it goes; a
      // QEMU that stays up (exit-on-error off) keeps the reason in query-migrate.
      const exit = await Promise.race([q.exited, q.qmp!.execute<{ 'error-desc'?: string }>('query-migrate').catch(() => null)]);
      if (exit && 'stderr' in exit) return loadFailed(exit, ms());
      const desc = (exit as { 'error-desc'?: string } | null)?.['error-desc'];
      return { ok: false, kind: 'load-failed', message: desc ?? 'migration failed', stderr: q.stderr, exitCode: undefined, ms: ms() };
    });
  } catch (e) {
    if (!(e instanceof QemuError)) throw e;
    const kind = e.kind === 'timeout' || e.kind === 'qmp-timeout' ? 'timeout' : e.kind === 'start-failed' ? 'start-failed' : 'qmp-error';
    return { ok: false, kind, message: e.message, stderr: e.stderr ?? '', exitCode: undefined, ms: ms() };
  }
}

function loadFailed(exit: ExitInfo, ms: number): Exclude<LoadResult, { ok: true }> {
  const lines = exit.stderr.trim().split('\n').filter(Boolean);
  return {
    ok: false,
    kind: 'load-failed',
    message: lines.length ? lines.join('; ') : `destination exited (code ${exit.exitCode ?? exit.signal}) without a message`,
    stderr: exit.stderr,
    exitCode: exit.exitCode,
    ms,
  };
}
