import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import type { QemuBinary } from './binaries.js';
import { QemuError, stderrTail, type QemuStage } from './errors.js';
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
      kind: 'load-failed' | 'save-failed' | 'timeout' | 'start-failed' | 'config-refused' | 'qemu-crashed' | 'qmp-protocol' | 'qmp-error';
      message: string;
      stderr: string;
      exitCode: number | undefined;
      ms: number;
      /** The step it failed in (timeouts, crashes, protocol errors). */
      stage?: QemuStage;
      /** The signal that ended the process, when one did. */
      signal?: string;
    };

/* ---------- process registry: nothing outlives us, not even on Ctrl-C ---------- */

/** Temp dirs of QEMUs this process is running or starting, with their pid once spawned. */
const live = new Map<string, { pid: number | null }>();
/** Every QEMU this process started, for the leak check tests run after themselves. */
const started: { pid: number; dir: string }[] = [];

/**
 * QEMU processes this process started that are still running, and their temp dirs
 * that still exist: empty unless something leaked.
 */
export function leftovers(): { pid: number; dir: string; running: boolean; dirExists: boolean }[] {
  return started
    .map((s) => ({ ...s, running: running(s.pid), dirExists: existsSync(s.dir) }))
    .filter((s) => s.running || s.dirExists);
}

/** True while the process exists and is not a zombie (Linux: /proc/PID/stat). */
export function running(pid: number): boolean {
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
  for (const [dir, { pid }] of live) {
    if (pid !== null) killGroup(pid);
    rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let exitHooked = false;
let signalsHooked = false;

/** Kills every child and removes every temp dir, then lets the signal do what it would have done. */
function onSignal(sig: NodeJS.Signals): void {
  killAllSync();
  unhookSignals();
  // Keep the default meaning of the signal unless someone else handles it.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

/**
 * Signal handlers are installed only while a QEMU (or its temp dir) exists: a handler
 * defers the signal to the event loop, and a Ctrl-C during long synchronous work with
 * nothing to clean up should stop the process at once, as it would without us.
 */
function hookSignals(): void {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', killAllSync);
  }
  if (signalsHooked) return;
  signalsHooked = true;
  for (const sig of SIGNALS) process.on(sig, onSignal);
}

function unhookSignals(): void {
  if (!signalsHooked) return;
  signalsHooked = false;
  for (const sig of SIGNALS) process.off(sig, onSignal);
}

/**
 * A fresh temp dir, registered for cleanup in the same synchronous step that creates it:
 * no signal handler can run in between, so an interrupt at any moment leaves nothing.
 */
function makeRunDir(): string {
  hookSignals();
  const dir = mkdtempSync(join(tmpdir(), 'vmcompat-qemu-'));
  live.set(dir, { pid: null });
  return dir;
}

function releaseRunDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
  if (live.size === 0) unhookSignals();
}

/**
 * QEMU's own error line (error_report prefixes the program name):
 * `qemu-system-x86_64: -device foo: 'foo' is not a valid device model name`.
 */
function ownErrorLine(stderr: string, binaryPath: string): string | null {
  const base = binaryPath.split('/').pop() ?? binaryPath;
  return (
    stderr
      .split('\n')
      .map((l) => l.trim())
      .find((l) => (/^\S*qemu\S*: /.test(l) || l.startsWith(`${binaryPath}: `) || l.startsWith(`${base}: `)) && !/: warning: /.test(l)) ?? null
  );
}

function how(exit: ExitInfo): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode ?? '(none)'}`;
}

/* ---------- one running QEMU ---------- */

export class QemuInstance {
  private disposed = false;
  private stderrText = '';
  /** What the process is doing now, for timeout and crash messages. */
  stage: QemuStage = 'start';
  /** How it ended when it ended before we killed it (a crash, a kill from outside). */
  ownExit: ExitInfo | null = null;
  /** Resolves when the process itself exits (stdio may still be open: see `exited`). */
  ended: Promise<ExitInfo> = new Promise(() => {});

  /**
   * The process's exit with its stderr: waits for stdio to close, but no longer than
   * `ms` after the exit (a child of QEMU may hold the pipes), then takes what was read.
   */
  async exitWithStderr(ms = 500): Promise<ExitInfo> {
    const info = await this.ended;
    const all = await Promise.race([this.exited, delay(ms).then(() => null)]);
    return all ? { ...info, stderr: all.stderr } : { ...info, stderr: this.stderrText };
  }

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
    const dir = makeRunDir();
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
      releaseRunDir(dir);
      const r = await proc;
      throw new QemuError({ kind: 'start-failed', stage: 'start', message: `could not run QEMU ${binary.name} (${binary.path}): ${r.message}` });
    }
    live.set(dir, { pid: proc.pid });
    started.push({ pid: proc.pid, dir });
    opts.onStart?.({ pid: proc.pid, dir });

    let inst!: QemuInstance;
    const exited = proc.then((r) => {
      const info: ExitInfo = { exitCode: r.exitCode, signal: r.signal, stderr: String(r.stderr ?? '') };
      inst.stderrText = info.stderr;
      if (inst.ownExit) inst.ownExit = { ...inst.ownExit, stderr: info.stderr };
      return info;
    });
    // execa settles once stdio closes, which a surviving child (QEMU's `sh -c cat`) can
    // delay until we kill the group; the process's own exit is seen here, at once.
    const ended = new Promise<ExitInfo>((res) => {
      proc.once('exit', (code, signal) => {
        const info: ExitInfo = { exitCode: code ?? undefined, signal: signal ?? undefined, stderr: inst.stderrText };
        if (!inst.disposed) inst.ownExit = info;
        res(info);
      });
    });
    inst = new QemuInstance(binary, dir, proc, exited, null);
    inst.ended = ended;
    proc.stderr?.on('data', (b: Buffer) => (inst.stderrText += b.toString()));

    const abort = new AbortController();
    void ended.then(() => abort.abort());
    const peer = `QEMU ${binary.name} (${binary.path})`;
    try {
      inst.qmp = await QmpClient.connect(sock, { timeoutMs: Math.max(1, deadline - Date.now()), signal: abort.signal, peer });
      return inst;
    } catch (e) {
      const info = await inst.dispose();
      const own = inst.ownExit; // set only when it exited before dispose() killed it
      const tail = stderrTail(info.stderr);
      const said = tail ? `: ${tail}` : '';
      const err = (kind: 'start-failed' | 'config-refused' | 'qemu-crashed' | 'timeout' | 'qmp-protocol', message: string) =>
        new QemuError({ kind, stage: 'start', message, stderr: info.stderr, exitCode: own?.exitCode, signal: own?.signal });
      if (e instanceof QemuError && e.kind === 'qmp-protocol') throw err('qmp-protocol', `${e.message}; killed it at start`);
      if (own?.signal) throw err('qemu-crashed', `${peer} ${how(own)} at start, before its QMP socket answered${said}`);
      if (own) {
        const line = ownErrorLine(info.stderr, binary.path);
        if (line) throw err('config-refused', `${peer} refused the configuration (${how(own)}): ${line}`);
        throw err('start-failed', `${peer} ${how(own)} before its QMP socket answered, without an error line of its own${said}`);
      }
      if (e instanceof Error && e.name === 'AbortError') throw e;
      throw err('timeout', `${peer} did not answer on QMP within the time limit at start and was killed${said}`);
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
    releaseRunDir(this.dir);
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
      this.exitWithStderr().then((exit) => ({ exit })),
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
  const peer = `QEMU ${opts.binary.name} (${opts.binary.path})`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<never>((_, rej) => {
      timer = setTimeout(
        () => rej(new QemuError({ kind: 'timeout', stage: q.stage, message: `${peer} did not finish the ${q.stage} within ${timeoutMs} ms; killed` })),
        Math.max(1, deadline - Date.now()),
      );
    });
    return await Promise.race([fn(q, () => Math.max(1, deadline - Date.now())), timedOut]);
  } catch (e) {
    const stage = q.stage;
    // A closed QMP socket usually means the process is exiting: let it finish, so that
    // how it ended (a signal?) is known before dispose() kills it.
    if (e instanceof QemuError && e.kind === 'qmp-closed') await Promise.race([q.ended, delay(1000)]);
    const info = await q.dispose();
    if (!(e instanceof QemuError)) throw e;
    const tail = stderrTail(info.stderr);
    // It died under us (a signal, or an exit without QEMU's own error line): a crash, not a verdict.
    const own = q.ownExit;
    if (own && e.kind !== 'qmp-protocol' && (own.signal || !ownErrorLine(own.stderr, opts.binary.path))) {
      throw new QemuError({
        kind: 'qemu-crashed',
        stage,
        message: `${peer} ${how(own)} during the ${stage}${tail ? `: ${tail}` : ' (nothing on stderr)'}`,
        command: e.command,
        stderr: info.stderr,
        exitCode: own.exitCode,
        signal: own.signal,
      });
    }
    // Waits inside `fn` use the same deadline and may fire first: still a timeout.
    if (e.kind !== 'timeout' && e.kind !== 'qmp-protocol' && Date.now() >= deadline) {
      throw new QemuError({
        kind: 'timeout',
        stage,
        message: `${peer} did not finish the ${stage} within ${timeoutMs} ms; killed (${e.message})`,
        command: e.command,
        stderr: info.stderr,
      });
    }
    if (e.kind === 'qmp-protocol' && !/killed/.test(e.message)) {
      throw new QemuError({ kind: 'qmp-protocol', stage, message: `${e.message}; killed it during the ${stage}`, command: e.command, stderr: info.stderr });
    }
    if (!e.stderr) e.stderr = info.stderr;
    if (!e.stage) e.stage = stage;
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
    q.stage = 'save';
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
      q.stage = 'load';
      let file: string;
      if (typeof stream === 'string') file = stream;
      else {
        file = join(q.dir, 'incoming.bin');
        await writeFile(file, stream);
      }
      await q.enableEvents();
      await q.qmp!.execute('migrate-incoming', { uri: `exec:cat ${shQuote(file)}` });
      const out = await q.migrationOutcome(['completed', 'failed'], remaining());
      if ('exit' in out) return loadFailed(out.exit, ms(), q);
      if (out.event.data?.status === 'completed') {
        // The destination must still be alive and paused (it exits on a late failure).
        const st = await q.qmp!.execute<{ status: string }>('query-status');
        const loadMs = ms();
        if (!thenSave) return { ok: true, status: st.status, stderr: q.stderr, ms: loadMs, loadMs, stream: new Uint8Array() };
        let resaved: Uint8Array;
        q.stage = 're-save';
        try {
          resaved = await migrateOut(q, remaining);
        } catch (e) {
          if (!(e instanceof QemuError) || e.kind !== 'migration-failed' || q.ownExit?.signal) throw e;
          return { ok: false, kind: 'save-failed', message: e.message, stderr: q.stderr, exitCode: undefined, ms: ms() };
        }
        return { ok: true, status: st.status, stderr: q.stderr, ms: ms(), loadMs, stream: resaved };
      }
      // 'failed': 7.2 is already on its way out and prints the reason as it goes; a
      // QEMU that stays up (exit-on-error off) keeps the reason in query-migrate.
      const exit = await Promise.race([q.exitWithStderr(), q.qmp!.execute<{ 'error-desc'?: string }>('query-migrate').catch(() => null)]);
      if (exit && 'stderr' in exit) return loadFailed(exit, ms(), q);
      const desc = (exit as { 'error-desc'?: string } | null)?.['error-desc'];
      return { ok: false, kind: 'load-failed', message: desc ?? 'migration failed', stderr: q.stderr, exitCode: undefined, ms: ms() };
    });
  } catch (e) {
    if (!(e instanceof QemuError)) throw e;
    const kind =
      e.kind === 'timeout' || e.kind === 'qmp-timeout'
        ? 'timeout'
        : e.kind === 'start-failed' || e.kind === 'config-refused' || e.kind === 'qemu-crashed' || e.kind === 'qmp-protocol'
          ? e.kind
          : e.kind === 'qmp-closed'
            ? 'qemu-crashed'
            : 'qmp-error';
    return { ok: false, kind, message: e.message, stderr: e.stderr ?? '', exitCode: e.exitCode, ms: ms(), stage: e.stage, signal: e.signal };
  }
}

/**
 * The destination exited while loading: QEMU's own error lines mean it rejected the
 * stream; a signal, or an exit without a line of its own, is a crash (a verdict on the
 * process, not on the stream).
 */
function loadFailed(exit: ExitInfo, ms: number, q: QemuInstance): Exclude<LoadResult, { ok: true }> {
  const lines = exit.stderr.trim().split('\n').filter(Boolean);
  if (exit.signal || !ownErrorLine(exit.stderr, q.binary.path)) {
    const tail = stderrTail(exit.stderr);
    return {
      ok: false,
      kind: 'qemu-crashed',
      message: `QEMU ${q.binary.name} (${q.binary.path}) ${how(exit)} during the ${q.stage}${tail ? `: ${tail}` : ' (nothing on stderr)'}`,
      stderr: exit.stderr,
      exitCode: exit.exitCode,
      ms,
      stage: q.stage,
      signal: exit.signal,
    };
  }
  return { ok: false, kind: 'load-failed', message: lines.join('; '), stderr: exit.stderr, exitCode: exit.exitCode, ms, stage: q.stage };
}
