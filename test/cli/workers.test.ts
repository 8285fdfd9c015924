import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNginx } from '../servers/nginx.js';
import { freePort, installed, type WebServer } from '../servers/web-server.js';
import { FIXTURES, alive, workersOf, fcgiGet, startCli, stopAll, tempDir, waitUntil } from './helpers.js';
import { load } from './load.js';

const app = path.join(FIXTURES, 'app.mjs');
const servers: WebServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await stopAll();
});

describe('fastcgi-fetch serve --workers', () => {
  it('spreads requests over N worker processes sharing one TCP port', async () => {
    const port = await freePort();
    const cli = startCli(['serve', app, '--listen', `127.0.0.1:${port}`, '--workers', '2']);
    await cli.waitFor(/with 2 worker\(s\)/);
    const pids = new Set<string>();
    // The second worker may still be starting under load: ask until both answered (bounded).
    for (let i = 0; i < 200 && pids.size < 2; i++) pids.add((await fcgiGet({ host: '127.0.0.1', port })).headers.get('x-pid')!);
    expect(pids.size).toBe(2);
    expect([...pids].map(Number).sort()).toEqual(workersOf(cli.pid).sort());
    await cli.stop();
  });

  it('shares one Unix socket between workers', async () => {
    const dir = tempDir('workers-unix');
    const sock = path.join(dir, 'app.sock');
    const cli = startCli(['serve', app, '--listen', sock, '--workers', '3']);
    await cli.waitFor(/with 3 worker\(s\)/);
    expect((await fcgiGet({ path: sock })).status).toBe(200);
    await cli.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('restarts a crashed worker, logs it, and counts it in the status report', async () => {
    const port = await freePort();
    const cli = startCli(['serve', app, '--listen', String(port), '--workers', '2', '--status-path', '/fpm-status']);
    await cli.waitFor(/with 2 worker\(s\)/);
    const before = workersOf(cli.pid);
    await fcgiGet({ host: '127.0.0.1', port }, '/crash');
    await cli.waitFor(/worker \d+ exited with code 3; starting another in \d+ ms/);
    await waitUntil(() => workersOf(cli.pid).length === 2 && workersOf(cli.pid).some((p) => !before.includes(p)), 10_000, 'a replacement worker');
    // The replacement must be listening before the report can count two workers.
    let report: { workers: number; workerRestarts: number } | undefined;
    for (let i = 0; i < 50 && report?.workers !== 2; i++) {
      report = JSON.parse((await fcgiGet({ host: '127.0.0.1', port }, '/fpm-status?json')).body) as typeof report;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(report).toMatchObject({ workers: 2, workerRestarts: 1 });
    await cli.stop();
  });

  it('reports requests summed over every worker, as JSON and as plain text', async () => {
    const port = await freePort();
    const cli = startCli(['serve', app, '--listen', String(port), '--workers', '2', '--status-path', '/fpm-status']);
    await cli.waitFor(/with 2 worker\(s\)/);
    for (let i = 0; i < 10; i++) await fcgiGet({ host: '127.0.0.1', port });
    const json = await fcgiGet({ host: '127.0.0.1', port }, '/fpm-status', { headers: { accept: 'application/json' } });
    expect(json.headers.get('content-type')).toMatch(/application\/json/);
    const report = JSON.parse(json.body) as {
      totalRequests: number;
      activeRequests: number;
      workers: number;
      processes: { pid: number; totalRequests: number }[];
      uptimeSeconds: number;
    };
    // Ten app requests plus this status request itself.
    expect(report.totalRequests).toBe(11);
    expect(report.activeRequests).toBe(1);
    expect(report.workers).toBe(2);
    expect(report.processes.map((p) => p.pid).sort()).toEqual(workersOf(cli.pid).sort());
    expect(report.processes.every((p) => p.totalRequests > 0)).toBe(true);
    const text = await fcgiGet({ host: '127.0.0.1', port }, '/fpm-status');
    expect(text.headers.get('content-type')).toMatch(/text\/plain/);
    expect(text.body).toMatch(
      /^start time: +\S+\nuptime: +\d+ s\nworkers: +2\nworker restarts: +0\nconnections: +\S+\nactive requests: +1\ntotal requests: +12\n/,
    );
    await cli.stop();
  });

  it('stops every worker on SIGTERM and leaves no process behind', async () => {
    const port = await freePort();
    const cli = startCli(['serve', app, '--listen', String(port), '--workers', '3']);
    await cli.waitFor(/with 3 worker\(s\)/);
    const workers = workersOf(cli.pid);
    expect(workers).toHaveLength(3);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    await waitUntil(() => workers.every((pid) => !alive(pid)), 5000, 'the workers to exit');
  });

  it('workers exit on their own when the primary is killed with SIGKILL', async () => {
    const port = await freePort();
    const cli = startCli(['serve', app, '--listen', String(port), '--workers', '2']);
    await cli.waitFor(/with 2 worker\(s\)/);
    const workers = workersOf(cli.pid);
    expect(workers).toHaveLength(2);
    cli.child.kill('SIGKILL');
    await waitUntil(() => workers.every((pid) => !alive(pid)), 5000, 'orphaned workers to exit');
  });

  it.skipIf(!installed('nginx'))(
    'reloads new code on SIGHUP, one worker at a time, with no failed request behind nginx under load',
    async () => {
      const dir = tempDir('reload');
      const versionFile = path.join(dir, 'version');
      fs.writeFileSync(versionFile, 'v1');
      const port = await freePort();
      const cli = startCli(['serve', app, '--listen', `127.0.0.1:${port}`, '--workers', '2', '--shutdown-timeout', '5'], {
        env: { APP_VERSION_FILE: versionFile },
      });
      await cli.waitFor(/with 2 worker\(s\)/);
      const nginx = await startNginx({ upstream: { host: '127.0.0.1', port } });
      servers.push(nginx);
      expect(await (await fetch(nginx.url)).text()).toMatch(/^hello v1/);

      fs.writeFileSync(versionFile, 'v2');
      const running = load(`${nginx.url}/`, 6, 8);
      await new Promise((r) => setTimeout(r, 1000));
      const oldWorkers = workersOf(cli.pid);
      process.kill(cli.pid, 'SIGHUP');
      await cli.waitFor(/reload done/, 20_000);
      // A second reload while the load still runs.
      process.kill(cli.pid, 'SIGHUP');
      const result = await running;
      await cli.waitFor(/reload done[\s\S]*reload done/, 20_000);

      console.log(`reload under load (${result.tool}): ${result.requests} requests, ${result.failures} non-2xx, ${result.errors} errors`);
      if (result.failures + result.errors > 0) console.log(`${result.detail}\n${nginx.errorLog()}\n${cli.output()}`);
      expect(result.requests).toBeGreaterThan(100);
      expect({ failures: result.failures, errors: result.errors }).toEqual({ failures: 0, errors: 0 });
      expect(workersOf(cli.pid).some((pid) => oldWorkers.includes(pid))).toBe(false);
      expect(await (await fetch(nginx.url)).text()).toMatch(/^hello v2/);
      expect(nginx.errorLog()).not.toMatch(/\[error\]/);
      await cli.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    60_000,
  );
});
