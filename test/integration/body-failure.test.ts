/**
 * A response body that fails after its head went out, behind every web server and the
 * configurations that change the outcome (nginx keep-conn × buffering, Apache reuse × flushing,
 * lighttpd and Caddy streaming or buffered). node:http cuts the browser's transfer short then;
 * so must the web server, or the browser takes a short body for the whole one. What each
 * server does is measured, asserted (a server that starts or stops doing it fails the test) and
 * recorded as a column of COMPATIBILITY.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheModuleInstalled, startApache, startApacheFcgid } from '../servers/apache.js';
import { startCaddy } from '../servers/caddy.js';
import { startHaproxy } from '../servers/haproxy.js';
import { startLighttpd, startLighttpdSpawn } from '../servers/lighttpd.js';
import { startNginx } from '../servers/nginx.js';
import { installed } from '../servers/web-server.js';
import { CompatibilityRecorder } from './compatibility.js';
import { inProcess, spawned, type Deployment } from './deployments.js';
import { pattern, sha256 } from './fixture-app.js';

const recorder = new CompatibilityRecorder('body-failure');
afterAll(() => recorder.write());

const TIMEOUT = 20_000;

interface Variant {
  server: string;
  variant: string;
  /** What is missing to run it, or undefined. */
  missing: string | undefined;
  /**
   * Measured: the browser sees the failure. Otherwise the body that ends cleanly instead: the
   * cut body alone, or (mod_fcgid) followed by what the server appends.
   */
  reportsFailure: true | RegExp;
  /** The row's note, recorded once the variant's test has passed. */
  finding?: string;
  /** Measured: the server cuts the transfer only this long after the failure, or later. */
  cutsAfterMs?: number;
  start(): Promise<Deployment>;
}

/** What a server that cannot be told sends: the cut body, ended as if complete. */
const CUT_BODY = /^chunk1\n$/;

const nginx = installed('nginx') ? undefined : 'nginx is not installed (apt-get install nginx)';
const proxyFcgi = apacheModuleInstalled('proxy_fcgi') ? undefined : 'apache2 with mod_proxy_fcgi is not installed (apt-get install apache2)';
const fcgid = apacheModuleInstalled('fcgid') ? undefined : 'mod_fcgid is not installed (apt-get install libapache2-mod-fcgid)';
const lighttpd = installed('lighttpd') ? undefined : 'lighttpd is not installed (apt-get install lighttpd)';
const caddy = installed('caddy') ? undefined : 'caddy is not installed (apt-get install caddy)';
const haproxy = installed('haproxy') ? undefined : 'haproxy is not installed (apt-get install haproxy)';

const variants: Variant[] = [];
for (const keepConn of [false, true]) {
  for (const buffering of [true, false]) {
    variants.push({
      server: 'nginx',
      variant: `keep-conn ${keepConn ? 'on' : 'off'}, buffering ${buffering ? 'on' : 'off'}`,
      missing: nginx,
      reportsFailure: true,
      finding: 'a body failing mid-way: the transfer is cut short, or closed with no answer while nginx (buffering on, the default) still holds the head',
      start: () => inProcess('unix', '/', (upstream) => startNginx({ upstream, keepConn, buffering })),
    });
  }
}
for (const reuse of [true, false]) {
  for (const flush of [true, false]) {
    variants.push({
      server: 'Apache mod_proxy_fcgi',
      variant: `${reuse ? 'enablereuse=on' : 'no reuse'}, ${flush ? 'flushpackets=on' : 'buffered'}`,
      missing: proxyFcgi,
      reportsFailure: true,
      // About 5 s when measured, where nginx, lighttpd and HAProxy take well under 1 s.
      cutsAfterMs: 3000,
      finding: 'a body failing mid-way: Apache cuts the transfer, but only seconds later (over 3 s)',
      start: () => inProcess('unix', '/', (upstream) => startApache({ upstream, reuse, buffering: !flush })),
    });
  }
}
variants.push(
  {
    server: 'Apache mod_fcgid',
    variant: 'spawned on fd 0',
    missing: fcgid,
    // Apache appends its own 500 page to the cut body, and mod_fcgid restarts the app process.
    reportsFailure: /^chunk1\n<!DOCTYPE HTML PUBLIC [\s\S]*500 Internal Server Error/,
    finding:
      "a body failing mid-way: the transfer ends as if complete, with Apache's own 500 page appended to the cut body, and mod_fcgid restarts the app process",
    start: () => spawned('/', (app) => startApacheFcgid({ ...app, maxProcesses: 2 })),
  },
  {
    server: 'lighttpd',
    variant: 'server.stream-response-body = 2',
    missing: lighttpd,
    reportsFailure: true,
    finding: 'a body failing mid-way is reported only with `server.stream-response-body = 2`',
    start: () => inProcess('unix', '/', (upstream) => startLighttpd({ upstream, buffering: false })),
  },
  {
    server: 'lighttpd',
    variant: 'buffered (the default)',
    missing: lighttpd,
    reportsFailure: CUT_BODY,
    finding: 'buffered (the default), the cut body goes out as a whole response',
    start: () => inProcess('unix', '/', (upstream) => startLighttpd({ upstream })),
  },
  {
    server: 'lighttpd bin-path',
    variant: 'spawned on fd 0, server.stream-response-body = 2',
    missing: lighttpd,
    reportsFailure: true,
    start: () => spawned('/', (app) => startLighttpdSpawn({ ...app, buffering: false })),
  },
  {
    server: 'Caddy',
    variant: 'buffered (the default)',
    missing: caddy,
    reportsFailure: CUT_BODY,
    finding: 'a body failing mid-way: Caddy 2.6 ends the transfer as if complete, streamed or buffered',
    start: () => inProcess('unix', '/', (upstream) => startCaddy({ upstream })),
  },
  {
    server: 'Caddy',
    variant: 'flush_interval -1',
    missing: caddy,
    reportsFailure: CUT_BODY,
    finding: 'a body failing mid-way: Caddy 2.6 ends the transfer as if complete, streamed or buffered',
    start: () => inProcess('unix', '/', (upstream) => startCaddy({ upstream, buffering: false })),
  },
  {
    server: 'HAProxy',
    variant: 'keep-conn, mpxs-conns',
    missing: haproxy,
    reportsFailure: true,
    finding: 'a body failing mid-way fails only that request on a multiplexed connection; the requests beside it complete',
    start: () => inProcess('unix', '/', (upstream) => startHaproxy({ upstream })),
  },
);

/** What the browser got: a failed transfer (or no response at all), or a body that ended cleanly. */
type Outcome = { failed: Error } | { body: string };

async function browse(url: string): Promise<Outcome> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT) });
    expect(response.status).toBe(200);
    return { body: await response.text() };
  } catch (error) {
    // A timeout is a hung transfer, which is no answer at all: the test fails on it.
    if (error instanceof Error && error.name !== 'TimeoutError' && error.name !== 'AbortError') return { failed: error };
    throw error;
  }
}

for (const v of variants) {
  const name = `a body that fails mid-way, behind ${v.server} (${v.variant})`;
  if (v.missing !== undefined) {
    if (process.env.CI) {
      it(`${name}: runs in CI`, () => {
        throw new Error(`${v.missing}: CI must run every server`);
      });
      continue;
    }
    console.warn(`[integration] skipping ${name}: ${v.missing}`);
  }
  recorder.expect(v.server, 'bodyFailure');
  describe.skipIf(v.missing !== undefined)(name, () => {
    let d: Deployment;
    beforeAll(async () => {
      d = await v.start();
    });
    afterAll(async () => {
      await d?.stop();
    });
    const logs = () => `\n--- ${d?.server.name} logs ---\n${d?.server.errorLog().slice(-3000)}`;

    const reports = v.reportsFailure === true;
    const title = reports
      ? 'reaches the browser as a failed transfer, not as a complete response'
      : 'reaches the browser as a complete response: the server cannot be told (a server limitation)';
    it(title, async () => {
      try {
        const started = performance.now();
        const outcome = await browse(`${d.base}/fail-midway`);
        const elapsed = performance.now() - started;
        console.log(`[body-failure] ${v.server} (${v.variant}): ${'failed' in outcome ? 'failed' : 'ended'} after ${(elapsed / 1000).toFixed(1)} s`);
        if (v.cutsAfterMs !== undefined) expect(elapsed, logs()).toBeGreaterThan(v.cutsAfterMs);
        const seen = 'failed' in outcome ? 'a failed transfer' : outcome.body;
        if (v.reportsFailure === true) expect(seen, logs()).toBe('a failed transfer');
        else expect(seen, logs()).toMatch(v.reportsFailure);
        recorder.record(v.server, 'bodyFailure', reports ? 'yes' : 'no');
        // HAProxy's finding is about the requests beside the failed one: recorded by that test.
        if (v.finding !== undefined && v.server !== 'HAProxy') recorder.measured(v.server, v.finding);
      } catch (error) {
        recorder.record(v.server, 'bodyFailure', 'fail');
        throw error;
      }
    });

    it('serves on: a plain response, then a streamed one byte-exact', async () => {
      const plain = await fetch(`${d.base}/status/201`, { signal: AbortSignal.timeout(TIMEOUT) });
      expect([plain.status, await plain.text()], logs()).toEqual([201, 'status body']);
      const size = 300_000;
      const download = new Uint8Array(await (await fetch(`${d.base}/download?size=${size}`, { signal: AbortSignal.timeout(TIMEOUT) })).arrayBuffer());
      expect([download.length, sha256(download)]).toEqual([size, sha256(pattern(size))]);
    });

    if (v.server === 'HAProxy') {
      it('fails only the broken request on a multiplexed connection: the requests beside it complete', async () => {
        const release = d.control.arm();
        try {
          const beside = Array.from({ length: 8 }, () =>
            fetch(`${d.base}/hold`, { signal: AbortSignal.timeout(TIMEOUT) }).then((r) => r.json() as Promise<{ requestId: number }>),
          );
          const deadline = Date.now() + 10_000;
          while (d.app!.activeRequests < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          const outcome = await browse(`${d.base}/fail-midway`);
          expect('failed' in outcome).toBe(true);
          release();
          const ids = (await Promise.all(beside)).map((r) => r.requestId);
          // Request ids above 1 show the requests shared connections.
          expect(Math.max(...ids)).toBeGreaterThan(1);
          recorder.measured(v.server, v.finding!);
        } finally {
          release();
        }
      });
    }
  });
}
