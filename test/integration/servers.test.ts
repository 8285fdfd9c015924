/**
 * The fixture app, unchanged, behind every web server the project supports, in each way it can
 * be deployed; the outcomes become COMPATIBILITY.md. nginx.test.ts covers nginx's four
 * transport × keep-conn combinations in more depth; two of them run here too for the table.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { apacheModuleInstalled, startApache, startApacheFcgid } from '../servers/apache.js';
import { startCaddy } from '../servers/caddy.js';
import { startHaproxy } from '../servers/haproxy.js';
import { startLighttpd, startLighttpdSpawn } from '../servers/lighttpd.js';
import { startNginx } from '../servers/nginx.js';
import { installed } from '../servers/web-server.js';
import { describeBehindServer, type ServerTraits } from './behind-server.js';
import { CompatibilityRecorder } from './compatibility.js';
import { inProcess, spawned } from './deployments.js';

const recorder = new CompatibilityRecorder('servers');
afterAll(() => recorder.write());

function missing(what: string, ok: boolean): string | undefined {
  return ok ? undefined : `${what} is not installed`;
}

const nginxSkip = missing('nginx (apt-get install nginx)', installed('nginx'));
const proxyFcgiSkip = missing('apache2 with mod_proxy_fcgi (apt-get install apache2)', apacheModuleInstalled('proxy_fcgi'));
const fcgidSkip = missing('mod_fcgid (apt-get install libapache2-mod-fcgid)', apacheModuleInstalled('fcgid'));
const lighttpdSkip = missing('lighttpd (apt-get install lighttpd)', installed('lighttpd'));
const caddySkip = missing('caddy (apt-get install caddy)', installed('caddy'));
const haproxySkip = missing('haproxy (apt-get install haproxy)', installed('haproxy'));

const NGINX: ServerTraits = { streams: true, abortsOnDisconnect: true };
for (const [transport, keepConn, prefix] of [
  ['unix', false, '/'],
  ['tcp', true, '/app/'],
] as const) {
  describeBehindServer({
    server: 'nginx',
    variant: `${transport}, keep-conn ${keepConn ? 'on' : 'off'}, at ${prefix}`,
    prefix,
    skip: nginxSkip,
    traits: NGINX,
    recorder,
    start: () => inProcess(transport, prefix, (upstream) => startNginx({ upstream, keepConn, prefix })),
  });
}

const APACHE_ABORT = { when: 'no', text: 'the browser leaving is not passed on' } as const;
// mod_proxy_fcgi buffers responses unless the worker has flushpackets=on.
for (const [transport, reuse, prefix, flush] of [
  ['unix', false, '/', false],
  ['unix', true, '/app/', true],
  ['tcp', false, '/app/', true],
  ['tcp', true, '/', false],
] as const) {
  describeBehindServer({
    server: 'Apache mod_proxy_fcgi',
    variant: `${transport}, ${reuse ? 'enablereuse=on' : 'no reuse'}, ${flush ? 'flushpackets=on' : 'buffered'}, at ${prefix}`,
    prefix,
    skip: proxyFcgiSkip,
    traits: { streams: flush, abortsOnDisconnect: false },
    recorder,
    findings: flush ? { abort: APACHE_ABORT } : { sse: { when: 'no', text: 'SSE only with `flushpackets=on` on the worker' }, abort: APACHE_ABORT },
    start: () => inProcess(transport, prefix, (upstream) => startApache({ upstream, reuse, prefix, buffering: !flush })),
  });
}

for (const prefix of ['/', '/app/']) {
  describeBehindServer({
    server: 'Apache mod_fcgid',
    variant: `spawned on fd 0, at ${prefix}`,
    prefix,
    skip: fcgidSkip,
    traits: { streams: true, abortsOnDisconnect: false, spawnsApp: true },
    recorder,
    start: () => spawned(prefix, (app) => startApacheFcgid({ ...app, prefix, maxProcesses: 2 })),
  });
}

const LIGHTTPD: ServerTraits = { streams: true, abortsOnDisconnect: false };
for (const [transport, prefix] of [
  ['unix', '/'],
  ['tcp', '/app/'],
] as const) {
  describeBehindServer({
    server: 'lighttpd',
    variant: `${transport}, at ${prefix}`,
    prefix,
    skip: lighttpdSkip,
    traits: LIGHTTPD,
    recorder,
    start: () => inProcess(transport, prefix, (upstream) => startLighttpd({ upstream, prefix, buffering: false })),
  });
}
describeBehindServer({
  server: 'lighttpd bin-path',
  variant: 'spawned on fd 0, at /app/',
  prefix: '/app/',
  skip: lighttpdSkip,
  traits: { ...LIGHTTPD, spawnsApp: true },
  recorder,
  start: () => spawned('/app/', (app) => startLighttpdSpawn({ ...app, prefix: '/app/', buffering: false })),
});

const CADDY: ServerTraits = { streams: true, abortsOnDisconnect: false };
for (const [transport, prefix] of [
  ['unix', '/'],
  ['tcp', '/app/'],
] as const) {
  describeBehindServer({
    server: 'Caddy',
    variant: `${transport}, at ${prefix}`,
    prefix,
    skip: caddySkip,
    traits: CADDY,
    recorder,
    start: () => inProcess(transport, prefix, (upstream) => startCaddy({ upstream, prefix })),
  });
}

// Measured with a record-logging relay: HAProxy 2.x/3.x neither closes the multiplexed
// connection nor sends FCGI_ABORT_REQUEST when the browser leaves.
const HAPROXY: ServerTraits = { streams: true, abortsOnDisconnect: false };
for (const [transport, prefix] of [
  ['unix', '/'],
  ['tcp', '/app/'],
] as const) {
  describeBehindServer({
    server: 'HAProxy',
    variant: `${transport}, at ${prefix}`,
    prefix,
    skip: haproxySkip,
    traits: HAPROXY,
    recorder,
    // request.signal stays quiet, so HAProxy neither sent FCGI_ABORT_REQUEST nor closed the connection.
    findings: { abort: { when: 'no', text: 'the browser leaving is not passed on (no ABORT_REQUEST, connection kept)' } },
    start: () => inProcess(transport, prefix, (upstream) => startHaproxy({ upstream, prefix })),
  });
}

// Observed by hand (see the 'early 413' test in behind-server.ts), not checked: that means waiting out `timeout client` (120 s here) on every run.
recorder.note('HAProxy', 'an upload the app answered early and the browser then abandoned keeps its FastCGI stream open until `timeout client`');

/** Connected sockets the app accepted on its Unix socket (the server side carries the path). */
function acceptedUnixConnections(path: string): number {
  return readFileSync('/proc/net/unix', 'latin1')
    .split('\n')
    .filter((line) => line.trim().endsWith(` ${path}`) && line.trim().split(/\s+/)[5] === '03').length;
}

recorder.expect('HAProxy', 'multiplex');
describe.skipIf(haproxySkip !== undefined)('behind HAProxy with mpxs-conns', () => {
  it('multiplexes 30 concurrent requests over fewer FastCGI connections, with request ids above 1', async () => {
    const d = await inProcess('unix', '/', (upstream) => startHaproxy({ upstream }));
    try {
      // One request first: HAProxy learns FCGI_MPXS_CONNS (get-values) on its first connection.
      expect((await fetch(`${d.base}/status/201`)).status).toBe(201);
      const release = d.control.arm();
      const responses = Array.from({ length: 30 }, () => fetch(`${d.base}/hold`, { signal: AbortSignal.timeout(20_000) }).then((r) => r.json()));
      const deadline = Date.now() + 10_000;
      while (d.app!.activeRequests < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const inFlight = d.app!.activeRequests;
      const address = d.app!.address;
      const connections = address?.type === 'unix' ? acceptedUnixConnections(address.path) : -1;
      release();
      const ids = (await Promise.all(responses)).map((r: { requestId: number }) => r.requestId);
      expect(inFlight).toBe(30);
      expect(connections).toBeGreaterThan(0);
      // HAProxy puts part of a burst on one connection (ids 1, 3, 5, ...) and opens others for
      // the rest; fewer connections than requests, and ids above 1, prove the multiplexing.
      expect(connections).toBeLessThan(30);
      expect(Math.max(...ids)).toBeGreaterThan(1);
      recorder.record('HAProxy', 'multiplex', 'yes');
      console.log(`[integration] HAProxy: 30 concurrent requests arrived on ${connections} FastCGI connection(s), request ids up to ${Math.max(...ids)}`);
      // What the assertions established; the exact counts vary from run to run, the table must not.
      recorder.measured('HAProxy', '30 concurrent requests arrived on fewer than 30 FastCGI connections, with request ids above 1');
    } catch (error) {
      recorder.record('HAProxy', 'multiplex', 'fail');
      throw error;
    } finally {
      await d.stop();
    }
  });
});
