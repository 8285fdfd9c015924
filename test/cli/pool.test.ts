/** php-fpm's pool features of `fastcgi-fetch serve`: recycling, time limits, slow log, ping, status. */
import fs from 'node:fs';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { createClient } from 'fastcgi-fetch/client';
import { afterAll, describe, expect, it } from 'vitest';
import { startNginx } from '../servers/nginx.js';
import { freePort, installed, type WebServer } from '../servers/web-server.js';
import { FIXTURES, alive, fcgiGet, startCli, stopAll, tempDir, waitUntil, workersOf, type CliProcess } from './helpers.js';
import { load } from './load.js';

const poolApp = path.join(FIXTURES, 'pool-app.mjs');
const app = path.join(FIXTURES, 'app.mjs');
// Locally a missing nginx skips; in CI it must fail, so the test runs and says so.
const noNginx = !installed('nginx') && !process.env.CI;
const servers: WebServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await stopAll();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function nginxFor(port: number): Promise<WebServer> {
  const nginx = await startNginx({ upstream: { host: '127.0.0.1', port } });
  servers.push(nginx);
  return nginx;
}

function dir(name: string): string {
  const made = tempDir(name);
  dirs.push(made);
  return made;
}

/** How many workers --max-requests has asked to replace so far. */
function recyclesAsked(cli: CliProcess): number {
  return cli.output().match(/served \d+ requests \(--max-requests\): replacing it/g)?.length ?? 0;
}

/** Waits until every replacement asked for has taken over (or failed) and the workers it replaced are gone. */
async function recyclingOver(cli: CliProcess, workers: number): Promise<void> {
  const over = () => cli.output().match(/took over from worker \d+ \(--max-requests\)|keeps serving: its replacement failed/g)?.length ?? 0;
  await waitUntil(() => recyclesAsked(cli) === over() && workersOf(cli.pid).length === workers, 60_000, 'the recycling to finish');
}

describe('serve --ping-path', () => {
  it('answers the ping path itself, without calling the app, with "pong" or --ping-response', async () => {
    const port = await freePort();
    const cli = startCli(['serve', app, '--listen', String(port), '--ping-path', '/ping']);
    await cli.waitFor(/serving/);
    const ping = await fcgiGet({ host: '127.0.0.1', port }, '/ping?from=lb');
    expect(ping).toMatchObject({ status: 200, body: 'pong' });
    expect(ping.headers.get('cache-control')).toBe('no-store');
    expect((await fcgiGet({ host: '127.0.0.1', port }, '/pingx')).body).toMatch(/^hello v1/);
    await cli.stop();

    const custom = startCli(['serve', app, '--listen', String(port), '--workers', '1'], { env: { FASTCGI_PING_PATH: '/health', FASTCGI_PING_RESPONSE: 'ok' } });
    await custom.waitFor(/with 1 worker/);
    expect((await fcgiGet({ host: '127.0.0.1', port }, '/health')).body).toBe('ok');
    await custom.stop();
  });
});

describe('serve --request-timeout', () => {
  it.skipIf(noNginx)('aborts a request still running after the timeout: the handler sees a TimeoutError, nginx answers 502', async () => {
    const port = await freePort();
    const cli = startCli(['serve', poolApp, '--listen', String(port), '--request-timeout', '1']);
    await cli.waitFor(/serving/);
    const nginx = await nginxFor(port);
    const started = Date.now();
    const response = await fetch(`${nginx.url}/hang`);
    expect(response.status).toBe(502);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5000);
    await cli.waitFor(/handler saw the abort: TimeoutError/, 5000);
    expect((await fetch(`${nginx.url}/`)).status).toBe(200);
    await cli.stop();
  });

  it.skipIf(noNginx)(
    'kills and replaces a worker whose handler blocks its event loop, while the other worker answers; the slow log shows the stack',
    async () => {
      const logDir = dir('slowlog');
      const slowlog = path.join(logDir, 'slow.log');
      const port = await freePort();
      const cli = startCli([
        'serve',
        poolApp,
        '--listen',
        `127.0.0.1:${port}`,
        '--workers',
        '2',
        '--request-timeout',
        '3',
        '--slowlog-timeout',
        '1',
        '--slowlog',
        slowlog,
      ]);
      await cli.waitFor(/with 2 worker\(s\)/);
      const nginx = await nginxFor(port);
      const before = workersOf(cli.pid);
      expect(before).toHaveLength(2);

      const startedAt = Date.now();
      const stuck = fetch(`${nginx.url}/spin`).then((r) => ({ status: r.status, at: Date.now() - startedAt }));
      await new Promise((r) => setTimeout(r, 300));
      // Meanwhile every request is answered by the other worker at once, but for at most one:
      // the connection node:cluster hands the blocked worker next, which it never takes. The
      // primary closes it once the worker is killed: nginx answers 502 then, not after its
      // fastcgi_read_timeout.
      const others = await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          await new Promise((r) => setTimeout(r, i * 50));
          try {
            const response = await fetch(`${nginx.url}/`, { signal: AbortSignal.timeout(8000) });
            return { status: response.status, pid: response.headers.get('x-pid'), at: Date.now() - startedAt };
          } catch {
            return { status: 0, pid: null, at: Date.now() - startedAt };
          }
        }),
      );
      const answered = others.filter((o) => o.status === 200);
      expect(answered.length).toBeGreaterThanOrEqual(9);
      expect(others.filter((o) => o.status !== 200).map((o) => o.status)).toEqual(others.length - answered.length ? [502] : []);
      expect(others.every((o) => o.at < 3000 + 3000)).toBe(true);
      if (answered.length < others.length) await cli.waitFor(/closed 1 connection\(s\) handed to worker \d+ that it never took/);
      console.log(
        `while a worker was blocked: ${answered.length} of ${others.length} requests answered by the other worker, the rest: ${
          others
            .filter((o) => o.status !== 200)
            .map((o) => `${o.status} at ${o.at} ms`)
            .join(', ') || 'none'
        }`,
      );
      expect(new Set(answered.map((o) => o.pid)).size).toBe(1);
      const healthy = Number(answered[0]!.pid);
      const blocked = before.find((pid) => pid !== healthy)!;
      expect(answered.filter((o) => o.at < 2500).length).toBeGreaterThanOrEqual(9);

      // The stuck request gets nginx's error page once its worker is killed, about 3 s in.
      const spun = await stuck;
      expect(spun.status).toBe(502);
      expect(spun.at).toBeGreaterThanOrEqual(2500);
      expect(spun.at).toBeLessThan(3000 + 2000);
      await cli.waitFor(new RegExp(`worker ${blocked} has not answered its heartbeat for \\d+\\.\\d s: its event loop is blocked; killing it`));
      await cli.waitFor(new RegExp(`worker ${blocked} was killed: its event loop was blocked`));
      await waitUntil(() => !alive(blocked) && workersOf(cli.pid).length === 2, 10_000, 'a replacement worker');
      expect(workersOf(cli.pid)).toContain(healthy);
      expect(alive(healthy)).toBe(true);
      // The replacement serves (cluster may hand the next few connections to the other worker).
      const replacement = workersOf(cli.pid).find((pid) => pid !== healthy)!;
      const pids = new Set<string | null>();
      const deadline = Date.now() + 20_000;
      while (!pids.has(String(replacement)) && Date.now() < deadline) {
        pids.add((await fetch(`${nginx.url}/`)).headers.get('x-pid'));
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(pids).toContain(String(replacement));

      const log = fs.readFileSync(slowlog, 'utf8');
      console.log(`slow log:\n${log}`);
      expect(log).toMatch(
        new RegExp(
          `^\\[\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\] pid ${blocked}: event loop blocked for \\d+\\.\\d s, \\d request\\(s\\) in flight\\n  GET http://[^ ]+/spin running for \\d+\\.\\d s\\n`,
          'm',
        ),
      );
      expect(log).toMatch(/^ +at spinForever \(file:\/\/.*pool-app\.mjs:\d+:\d+\)$/m);
      expect(log).toMatch(/^ +at Object\.fetch \(file:\/\/.*pool-app\.mjs:\d+:\d+\)$/m);
      await cli.stop();
    },
    60_000,
  );
});

describe('serve --slowlog-timeout', () => {
  it('logs a request running past the timeout once, with time, pid, method, URL and how long so far', async () => {
    const logDir = dir('slowlog-single');
    const slowlog = path.join(logDir, 'slow.log');
    const port = await freePort();
    const cli = startCli(['serve', poolApp, '--listen', String(port), '--slowlog-timeout', '0.5', '--slowlog', slowlog, '--status-path', '/status']);
    await cli.waitFor(/serving/);
    await Promise.all([fcgiGet({ host: '127.0.0.1', port }, '/slow?ms=1800'), fcgiGet({ host: '127.0.0.1', port }, '/fast')]);
    const log = fs.readFileSync(slowlog, 'utf8');
    expect(log).toMatch(new RegExp(`^\\[\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\] pid ${cli.pid}: GET http://localhost/slow\\?ms=1800 running for 0\\.[5-9] s\\n$`));
    const status = JSON.parse((await fcgiGet({ host: '127.0.0.1', port }, '/status?json')).body) as { slowRequests: number };
    expect(status.slowRequests).toBe(1);
    // The event-loop watcher holds no inspector session while idle: nothing delays the exit.
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.output()).not.toMatch(/Waiting for the debugger/);
  });

  it('shows the stack of a blocked event loop without --workers too, from a watcher thread', async () => {
    const port = await freePort();
    const cli = startCli(['serve', poolApp, '--listen', String(port), '--slowlog-timeout', '0.5']);
    await cli.waitFor(/serving/);
    void fcgiGet({ host: '127.0.0.1', port }, '/spin').catch(() => {});
    // No --slowlog: the entry goes to stderr.
    // The watcher thread may come up after the request began: the first entry can say more than 0.5 s.
    await cli.waitFor(
      /event loop blocked for \d+\.\d s, 1 request\(s\) in flight\n {2}GET http:\/\/localhost\/spin running for \d\.\d s\n +at spinForever \(/,
      10_000,
    );
    cli.child.kill('SIGKILL');
    await cli.exited;
  });
});

describe('serve --max-requests', () => {
  it.skipIf(noNginx)(
    'replaces each worker after about N requests under load behind nginx, with no failed request',
    async () => {
      const port = await freePort();
      const cli = startCli(['serve', app, '--listen', `127.0.0.1:${port}`, '--workers', '2', '--max-requests', '150', '--status-path', '/status']);
      await cli.waitFor(/with 2 worker\(s\)/);
      const nginx = await nginxFor(port);
      const first = workersOf(cli.pid);
      const result = await load(`${nginx.url}/`, 6, 8);
      console.log(`--max-requests 150 under load (${result.tool}): ${result.requests} requests, ${result.failures} non-2xx, ${result.errors} errors`);
      if (result.failures + result.errors > 0) console.log(`${result.detail}\n${nginx.errorLog()}\n${cli.output()}`);
      expect(result.requests).toBeGreaterThan(400);
      expect({ failures: result.failures, errors: result.errors }).toEqual({ failures: 0, errors: 0 });
      const recycled = [...cli.output().matchAll(/worker (\d+) served (\d+) requests \(--max-requests\): replacing it/g)];
      expect(recycled.length).toBeGreaterThanOrEqual(2);
      // Each at its own count from N + up to 10%, noticed a pulse later.
      for (const [, , served] of recycled) expect(Number(served)).toBeGreaterThanOrEqual(150);
      await cli.waitFor(/took over from worker \d+ \(--max-requests\)[\s\S]*took over from worker/, 30_000);
      const now = workersOf(cli.pid);
      expect(now.some((pid) => !first.includes(pid))).toBe(true);
      // Counters of the workers that left stay in the totals (wrk counts only the answers it read
      // in time: the workers may have begun a few more). Asked once the recycling is over; a
      // worker too slow to answer (a loaded machine) is reported from its last heartbeat: ask again.
      await recyclingOver(cli, 2);
      let status = { workerRecycles: 0, totalRequests: 0 };
      for (let i = 0; i < 5 && status.totalRequests < result.requests; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 1000));
        status = JSON.parse((await fcgiGet({ host: '127.0.0.1', port }, '/status?json')).body) as typeof status;
      }
      expect(status.workerRecycles).toBeGreaterThanOrEqual(1);
      expect(status.totalRequests).toBeGreaterThanOrEqual(result.requests);
      expect(nginx.errorLog()).not.toMatch(/\[error\]/);
      await cli.stop();
    },
    90_000,
  );

  it('keeps the exact request total through several recycles: N requests sent, the status counts N', async () => {
    const port = await freePort();
    const where = { host: '127.0.0.1', port };
    const cli = startCli(['serve', app, '--listen', `127.0.0.1:${port}`, '--workers', '2', '--max-requests', '30', '--status-path', '/status']);
    await cli.waitFor(/with 2 worker\(s\)/);
    // As web servers send them: a connection per request (nginx's default) and kept-alive
    // connections (fastcgi_keep_conn), on which a leaving worker serves until it drains.
    const kept = createClient(where, { keepConn: true, maxConnections: 3, connectTimeout: 5000, timeout: 10_000 });
    const lanes: Array<() => Promise<number>> = [
      ...Array.from({ length: 3 }, () => async () => (await fcgiGet(where, '/')).status),
      ...Array.from({ length: 3 }, () => async () => {
        const response = await kept.fetch(`http://localhost/`);
        await response.arrayBuffer();
        return response.status;
      }),
    ];
    // A steady stream until workers have been asked to leave several times, so some are asked
    // while requests reach them; bounded in count and time.
    const deadline = Date.now() + 60_000;
    const statuses: number[] = [];
    const keepSending = () => recyclesAsked(cli) < 4 && statuses.length < 5000 && Date.now() < deadline;
    await Promise.all(
      lanes.map(async (send) => {
        while (keepSending()) {
          statuses.push(await send().catch(() => 0));
          await new Promise((r) => setTimeout(r, 5));
        }
      }),
    );
    await kept.close();
    const sent = statuses.length;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    await recyclingOver(cli, 2);
    expect(recyclesAsked(cli)).toBeGreaterThanOrEqual(4);
    // Each status request counts itself. A worker too slow to answer (a loaded machine) is
    // reported from its last heartbeat, which may be older than its last requests: ask again.
    let asks = 0;
    let total = 0;
    for (let i = 0; i < 5 && total !== sent + asks; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 1000));
      asks++;
      total = (JSON.parse((await fcgiGet(where, '/status?json')).body) as { totalRequests: number }).totalRequests;
    }
    console.log(`${sent} requests through ${recyclesAsked(cli)} recycles: the status counts ${total - asks} (asked ${asks} time(s))`);
    expect(total).toBe(sent + asks);
    await cli.stop();
  }, 120_000);
});

describe('serve --status-path', () => {
  it("reports php-fpm's pool fields, a block per worker with ?full, and Prometheus text with ?openmetrics", async () => {
    const port = await freePort();
    const cli = startCli(['serve', poolApp, '--listen', `127.0.0.1:${port}`, '--workers', '2', '--status-path', '/status']);
    await cli.waitFor(/with 2 worker\(s\)/);
    const where = { host: '127.0.0.1', port };
    for (let i = 0; i < 6; i++) await fcgiGet(where, '/');
    const slow = fcgiGet(where, '/slow?ms=1500');
    await new Promise((r) => setTimeout(r, 300));

    const full = (await fcgiGet(where, '/status?full')).body;
    expect(full).toMatch(/^accepted conn: +\d+$/m);
    expect(full).toMatch(/^listen queue: +0$/m);
    expect(full).toMatch(/^listen queue len: +\d+$/m);
    expect(full).toMatch(/^active processes: +2$/m);
    expect(full).toMatch(/^total processes: +2$/m);
    expect(full).toMatch(/^max children reached: +0$/m);
    expect(full).toMatch(/^request: +GET http:\/\/localhost\/slow\?ms=1500 \(\d+ ms\)$/m);
    expect(full.match(/^pid: +\d+$/gm)).toHaveLength(2);

    const json = JSON.parse((await fcgiGet(where, '/status?json&full')).body) as {
      acceptedConnections: number;
      activeProcesses: number;
      maxActiveRequests: number;
      totalRequests: number;
      processes: Array<{ pid: number; state: string; currentRequests: Array<{ url: string; durationMs: number }> }>;
    };
    expect(json.acceptedConnections).toBeGreaterThanOrEqual(9);
    expect(json.maxActiveRequests).toBeGreaterThanOrEqual(2);
    expect(json.processes.map((p) => p.pid).sort()).toEqual(workersOf(cli.pid).sort());
    const running = json.processes.flatMap((p) => p.currentRequests).find((r) => r.url.endsWith('/slow?ms=1500'));
    expect(running?.durationMs).toBeGreaterThanOrEqual(300);

    const metrics = await fcgiGet(where, '/status?openmetrics');
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = new Map(parsePrometheusTextFormat(metrics.body).map((f) => [f.name, f]));
    expect(families.get('fastcgi_fetch_total_processes')).toMatchObject({ type: 'GAUGE', metrics: [{ value: '2' }] });
    expect(families.get('fastcgi_fetch_requests_total')?.type).toBe('COUNTER');
    expect(Number(families.get('fastcgi_fetch_requests_total')!.metrics[0]!.value)).toBeGreaterThanOrEqual(9);
    expect(families.get('fastcgi_fetch_listen_queue')).toMatchObject({ type: 'GAUGE', metrics: [{ value: '0' }] });
    await slow;
    await cli.stop();
  });
});
