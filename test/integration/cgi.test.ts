/**
 * CGI mode: the same fixture app and entry file, started by Apache mod_cgid once per request.
 * The entry sees GATEWAY_INTERFACE and no listening socket on fd 0, so it handles one request
 * from the environment and stdin and writes the CGI response on stdout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheModuleInstalled, startApacheCgi } from '../servers/apache.js';
import { CompatibilityRecorder } from './compatibility.js';
import { spawned, type Deployment } from './deployments.js';
import { pattern, sha256 } from './fixture-app.js';

const recorder = new CompatibilityRecorder('cgi');
const skip = apacheModuleInstalled('cgid') ? undefined : 'apache2 with mod_cgid is not installed';
if (skip) console.warn(`[cgi] skipping: ${skip}`);

afterAll(() => recorder.write());

recorder.expect('Apache mod_cgid', 'cgi');
describe.skipIf(skip !== undefined)('CGI mode behind Apache mod_cgid', () => {
  let d: Deployment;
  const ok: boolean[] = [];
  /** Process id and milliseconds of every request, to show one process per request. */
  const served: { pid: number; ms: number }[] = [];
  const env = async (init?: RequestInit) => {
    const started = performance.now();
    const body = await (await fetch(`${d.base}/env`, init)).json();
    served.push({ pid: body.pid, ms: performance.now() - started });
    return body;
  };
  beforeAll(async () => {
    d = await spawned('/app/', (app) => startApacheCgi({ ...app, prefix: '/app/', passProxyHeader: true }));
  });
  afterAll(async () => {
    await d?.stop();
    recorder.record('Apache mod_cgid', 'cgi', ok.length === 4 && ok.every(Boolean) ? 'yes' : 'fail');
    const times = served.map((s) => (s.ms / 1000).toFixed(2)).join(', ');
    console.log(`[cgi] ${served.length} requests to /env, each its own process: ${times} s`);
  });
  const track = (name: string, body: () => Promise<void>) =>
    it(name, async () => {
      try {
        await body();
        ok.push(true);
      } catch (error) {
        ok.push(false);
        throw new Error(`${(error as Error).message}\n${d.server.errorLog().slice(-3000)}`, { cause: error });
      }
    });

  track('answers a GET with the public URL, headers and two Set-Cookie lines, as CGI', async () => {
    const echo = await (await fetch(`${d.base}/echo/caf%C3%A9?x=1&y=%20z`, { headers: { 'x-custom': 'v' } })).json();
    expect(echo).toMatchObject({ url: `${d.base}/echo/caf%C3%A9?x=1&y=%20z`, method: 'GET' });
    expect((await env()).gatewayInterface).toBe('CGI/1.1');
    const cookies = await fetch(`${d.base}/cookies`, { headers: { cookie: 'a=1' } });
    expect(cookies.headers.getSetCookie()).toEqual(['first=1; Path=/', 'second=2; Path=/; HttpOnly']);
    expect(await cookies.text()).toBe('cookie header: a=1');
  });

  track('reads a POST body from stdin: 1 MiB byte-exact, and statuses 201/204/302', async () => {
    const body = pattern(1024 * 1024);
    const upload = await fetch(`${d.base}/upload`, { method: 'POST', body });
    expect(await upload.json()).toEqual({ length: body.length, sha256: sha256(body) });
    expect((await fetch(`${d.base}/status/201`)).status).toBe(201);
    const empty = await fetch(`${d.base}/status/204`);
    expect([empty.status, await empty.text()]).toEqual([204, '']);
    const redirect = await fetch(`${d.base}/redirect`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([302, '/echo?from=redirect']);
  });

  // The server is configured to pass the header on (see passProxyHeader): the request keeps
  // it, and only the app's own process environment must not.
  track('never turns a Proxy request header into HTTP_PROXY for the app (httpoxy)', async () => {
    const seen = await env({ headers: { proxy: 'http://127.0.0.1:9/' } });
    expect(seen.proxyHeader).toBe('http://127.0.0.1:9/');
    expect(seen.processHttpProxy).toBeNull();
    recorder.measured(
      'Apache mod_cgid',
      "a `Proxy:` request header passed on as HTTP_PROXY (`SetEnvIf`, as before Apache 2.4.25) stays out of the app's process environment",
    );
  });

  track('starts one process per request', async () => {
    for (let i = 0; i < 3; i++) await env();
    expect(served.length).toBeGreaterThanOrEqual(4);
    expect(new Set(served.map((s) => s.pid)).size).toBe(served.length);
    recorder.measured('Apache mod_cgid', 'one process per request (a new process id each time)');
  });
});
