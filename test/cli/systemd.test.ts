import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listenNotifySocket, type NotifySocket } from '../support/notify-socket.js';
import { startNginx } from '../servers/nginx.js';
import { freePort, installed, which, type WebServer } from '../servers/web-server.js';
import { FIXTURES, cliArgv, fcgiGet, startCli, startProcess, stopAll, tempDir, waitUntil, workersOf } from './helpers.js';

const app = path.join(FIXTURES, 'env-app.mjs');
const hasActivate = installed('systemd-socket-activate');
const hasPython = installed('python3');
if (!hasActivate) console.log('skipping socket activation tests: systemd-socket-activate is not installed (Debian package systemd)');
if (!hasPython) console.log('skipping Type=notify tests: python3 (the test notify socket) is not installed');

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await stopAll();
});

interface EnvReply {
  pid: number;
  LISTEN_FDS: string | null;
  LISTEN_PID: string | null;
  LISTEN_FDNAMES: string | null;
  NOTIFY_SOCKET: string | null;
}

type Address = { path: string } | { host: string; port: number };

async function ask(address: Address, urlPath = '/'): Promise<EnvReply> {
  const reply = await fcgiGet(address, urlPath);
  expect(reply.status).toBe(200);
  return JSON.parse(reply.body) as EnvReply;
}

/** systemd-socket-activate binds `listen` (one or more -l), then execs the CLI with the sockets on fd 3... */
function activate(listen: string[], args: string[], extra: string[] = [], env: Record<string, string> = {}) {
  const activator = which('systemd-socket-activate')!;
  return startProcess(activator, [...listen.flatMap((l) => ['-l', l]), ...extra, '--', process.execPath, ...cliArgv(['serve', app, ...args])], { env });
}

describe.skipIf(!hasActivate)('socket activation (systemd-socket-activate)', () => {
  it('serves on a passed Unix socket with no listen option, behind nginx, and hides the variables from the app', async () => {
    const dir = tempDir('activate-unix');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const sock = path.join(dir, 'app.sock');
    const cli = activate([sock], [], ['--fdname=my-app.socket']);
    await cli.waitFor(/Listening on .*app\.sock as 3/);
    // The first connection makes systemd-socket-activate exec the app; it waits in the backlog.
    const reply = await ask({ path: sock });
    expect(reply).toEqual({ pid: cli.pid, LISTEN_FDS: null, LISTEN_PID: null, LISTEN_FDNAMES: null, NOTIFY_SOCKET: null });
    await cli.waitFor(/serving .* on fd 3 \(my-app\.socket\)/);
    if (installed('nginx')) {
      const nginx: WebServer = await startNginx({ upstream: { path: sock } });
      cleanups.push(() => nginx.stop());
      const viaNginx = await fetch(`${nginx.url}/through-nginx`);
      expect(viaNginx.status).toBe(200);
      expect(((await viaNginx.json()) as EnvReply).pid).toBe(cli.pid);
    }
    await cli.stop();
    expect(await cli.exited).toBe(0);
  });

  it('serves on a passed TCP socket', async () => {
    const port = await freePort();
    const cli = activate([`127.0.0.1:${port}`], []);
    await cli.waitFor(/Listening on 127\.0\.0\.1:\d+ as 3/);
    expect((await ask({ host: '127.0.0.1', port })).pid).toBe(cli.pid);
    await cli.waitFor(/serving .* on fd 3\n/);
    await cli.stop();
  });

  it('serves on every passed socket, with --workers too', async () => {
    const dir = tempDir('activate-two');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const sock = path.join(dir, 'app.sock');
    const port = await freePort();
    const cli = activate([sock, `127.0.0.1:${port}`], ['--workers', '2'], ['--fdname=unix:tcp']);
    await cli.waitFor(/as 4\./);
    const first = await ask({ path: sock });
    await cli.waitFor(/on fd 3 \(unix\), fd 4 \(tcp\) with 2 worker\(s\)/);
    const second = await ask({ host: '127.0.0.1', port });
    const workers = workersOf(cli.pid);
    expect(workers).toHaveLength(2);
    expect(workers).toContain(first.pid);
    expect(workers).toContain(second.pid);
    expect(second).toMatchObject({ LISTEN_FDS: null, LISTEN_PID: null });
    await cli.stop();
  });

  it('replaces a crashed last worker, which then accepts on the passed socket again', async () => {
    const dir = tempDir('activate-crash');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const sock = path.join(dir, 'app.sock');
    const cli = activate([sock], ['--workers', '1']);
    await cli.waitFor(/Listening on/);
    const before = await ask({ path: sock });
    await cli.waitFor(/with 1 worker\(s\)/);
    await fcgiGet({ path: sock }, '/crash');
    await cli.waitFor(/worker \d+ exited with code 3; starting another/);
    await waitUntil(() => workersOf(cli.pid).some((pid) => pid !== before.pid), 10_000, 'a replacement worker');
    // node:cluster closes an fd it listened on once its last worker is gone: the replacement
    // must listen on its own copy.
    let after: EnvReply | undefined;
    for (let i = 0; i < 100 && after === undefined; i++) {
      after = await ask({ path: sock }).catch(() => undefined);
      if (!after) await new Promise((r) => setTimeout(r, 100));
    }
    expect(after).toBeDefined();
    expect(after!.pid).not.toBe(before.pid);
    expect(cli.output()).not.toMatch(/cannot listen/);
    await cli.stop();
  });
});

describe.skipIf(!hasPython)('Type=notify ($NOTIFY_SOCKET)', () => {
  async function notifySocket(address: string): Promise<NotifySocket> {
    const socket = await listenNotifySocket(address);
    cleanups.push(() => socket.close());
    return socket;
  }

  it('sends READY=1 once every worker listens, RELOADING=1 and READY=1 around a SIGHUP reload, STOPPING=1 on SIGTERM', async () => {
    const dir = tempDir('notify');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const notify = await notifySocket(path.join(dir, 'notify.sock'));
    const sock = path.join(dir, 'app.sock');
    const cli = startCli(['serve', app, '--listen', sock, '--workers', '2'], { env: { NOTIFY_SOCKET: notify.address } });
    const ready = await notify.next('READY');
    // READY=1 follows the last worker's start, not the first one's.
    expect(cli.output()).toMatch(/with 2 worker\(s\)/);
    expect(ready.fields.STATUS).toMatch(/^2 workers, 0 active requests, 0 requests served$/);
    // Only the service's main process speaks for it: the workers never see the variable.
    expect((await ask({ path: sock })).NOTIFY_SOCKET).toBeNull();

    const count = notify.messages.length;
    const sentAt = process.hrtime.bigint() / 1000n;
    cli.child.kill('SIGHUP');
    const reloading = await notify.next('RELOADING', count);
    const usec = BigInt(reloading.fields.MONOTONIC_USEC ?? '0');
    // CLOCK_MONOTONIC is the same clock in every process of the machine.
    expect(usec).toBeGreaterThanOrEqual(sentAt);
    expect(usec).toBeLessThanOrEqual(process.hrtime.bigint() / 1000n);
    const reloaded = await notify.next('READY', count);
    expect(notify.messages.indexOf(reloaded)).toBeGreaterThan(notify.messages.indexOf(reloading));
    expect(cli.output()).toMatch(/reload done/);
    expect(reloaded.fields.STATUS).toMatch(/^2 workers, /);

    cli.child.kill('SIGTERM');
    expect((await notify.next('STOPPING', count)).fields.STOPPING).toBe('1');
    expect(await cli.exited).toBe(0);
  });

  it('notifies a socket in the abstract namespace (@name) from a single process', async () => {
    const notify = await notifySocket(`@fastcgi-fetch-test-${randomBytes(6).toString('hex')}`);
    const port = await freePort();
    const cli = startCli(['serve', app, '--listen', String(port)], { env: { NOTIFY_SOCKET: notify.address } });
    const ready = await notify.next('READY');
    expect(ready.fields.STATUS).toBe('1 worker, 0 active requests, 0 requests served');
    expect((await ask({ host: '127.0.0.1', port })).NOTIFY_SOCKET).toBeNull();
    cli.child.kill('SIGTERM');
    await notify.next('STOPPING');
    expect(await cli.exited).toBe(0);
  });
});
