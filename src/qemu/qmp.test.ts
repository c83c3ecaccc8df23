import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { dir as tmpDir } from 'tmp-promise';
import { afterEach, describe, expect, it } from 'vitest';
import { QemuError } from './errors.js';
import { QmpClient } from './qmp.js';

/** A scripted QMP server: greeting, then `handle` answers each command. */
async function fakeQmp(handle: (cmd: { execute: string; arguments?: unknown; id: string }, sock: Socket) => void) {
  const d = await tmpDir({ unsafeCleanup: true });
  const path = join(d.path, 'qmp.sock');
  const sockets: Socket[] = [];
  const server: Server = createServer((sock) => {
    sockets.push(sock);
    sock.write(JSON.stringify({ QMP: { version: { qemu: { major: 7, minor: 2, micro: 22 } }, capabilities: [] } }) + '\r\n');
    let buf = '';
    sock.on('data', (c) => {
      buf += c.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const cmd = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (cmd.execute === 'qmp_capabilities') sock.write(JSON.stringify({ return: {}, id: cmd.id }) + '\r\n');
        else handle(cmd, sock);
      }
    });
  });
  await new Promise<void>((res) => server.listen(path, res));
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((res) => server.close(() => res()));
    await d.cleanup();
  };
  cleanups.push(close);
  return { path, sockets };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const send = (sock: Socket, msg: unknown) => sock.write(JSON.stringify(msg) + '\r\n');

describe('QmpClient', () => {
  it('negotiates capabilities, runs commands and matches replies by id', async () => {
    const { path } = await fakeQmp((cmd, sock) => {
      if (cmd.execute === 'query-status') send(sock, { return: { status: 'prelaunch', running: false }, id: cmd.id });
    });
    const qmp = await QmpClient.connect(path);
    expect(qmp.qemuVersion).toBe('7.2.22');
    await expect(qmp.execute('query-status')).resolves.toEqual({ status: 'prelaunch', running: false });
    qmp.close();
  });

  it("rejects with the command and QEMU's error desc", async () => {
    const { path } = await fakeQmp((cmd, sock) =>
      send(sock, { error: { class: 'GenericError', desc: "Parameter 'uri' is missing" }, id: cmd.id }),
    );
    const qmp = await QmpClient.connect(path);
    const err = await qmp.execute('migrate', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QemuError);
    expect(err).toMatchObject({ kind: 'qmp-error', command: 'migrate', errorClass: 'GenericError', desc: "Parameter 'uri' is missing" });
    expect((err as Error).message).toContain("QMP migrate failed: Parameter 'uri' is missing");
    qmp.close();
  });

  it('times out a command that gets no answer', async () => {
    const { path } = await fakeQmp(() => {});
    const qmp = await QmpClient.connect(path);
    const t0 = Date.now();
    await expect(qmp.execute('query-migrate', undefined, { timeoutMs: 100 })).rejects.toMatchObject({
      kind: 'qmp-timeout',
      command: 'query-migrate',
    });
    expect(Date.now() - t0).toBeLessThan(1000);
    qmp.close();
  });

  it('collects events and lets a late waiter see an earlier one', async () => {
    const { path } = await fakeQmp((cmd, sock) => {
      send(sock, { event: 'MIGRATION', data: { status: 'setup' } });
      send(sock, { return: {}, id: cmd.id });
      setTimeout(() => send(sock, { event: 'MIGRATION', data: { status: 'completed' } }), 20);
    });
    const qmp = await QmpClient.connect(path);
    await qmp.execute('migrate', { uri: 'exec:cat' });
    await expect(qmp.waitForEvent('MIGRATION', 1000)).resolves.toMatchObject({ data: { status: 'setup' } });
    const done = await qmp.waitForEvent('MIGRATION', 1000, (e) => e.data?.status === 'completed');
    expect(done.data).toEqual({ status: 'completed' });
    expect(qmp.events.map((e) => e.data?.status)).toEqual(['setup', 'completed']);
    await expect(qmp.waitForEvent('STOP', 50)).rejects.toMatchObject({ kind: 'qmp-timeout' });
    qmp.close();
  });

  it('fails pending commands and waiters when the socket closes', async () => {
    const { path, sockets } = await fakeQmp(() => {});
    const qmp = await QmpClient.connect(path);
    const pending = qmp.execute('query-status');
    const waiting = qmp.waitForEvent('SHUTDOWN', 5000);
    sockets[0]!.destroy();
    await expect(pending).rejects.toMatchObject({ kind: 'qmp-closed', command: 'query-status' });
    await expect(waiting).rejects.toMatchObject({ kind: 'qmp-closed' });
    await expect(qmp.execute('query-status')).rejects.toMatchObject({ kind: 'qmp-closed' });
  });

  it('gives up connecting after its timeout when nothing listens', async () => {
    const d = await tmpDir({ unsafeCleanup: true });
    cleanups.push(() => d.cleanup());
    const t0 = Date.now();
    await expect(QmpClient.connect(join(d.path, 'none.sock'), { timeoutMs: 200 })).rejects.toMatchObject({ kind: 'start-failed' });
    expect(Date.now() - t0).toBeLessThan(1500);
  });
});
