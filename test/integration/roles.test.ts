/**
 * FastCGI roles other than Responder: a fetch handler as Authorizer behind lighttpd and Apache
 * (mod_fcgid), and as Filter through a raw FastCGI client (no common server sends Filter).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serve, type FastCGIContext } from 'fastcgi-fetch';
import { createClient } from 'fastcgi-fetch/client';
import { apacheModuleInstalled, startApacheFcgidAuthorizer } from '../servers/apache.js';
import { startLighttpdAuthorizer } from '../servers/lighttpd.js';
import { installed, leftoverProcesses, type WebServer } from '../servers/web-server.js';
import { authorizerFetch } from './authorizer-app.js';
import { CompatibilityRecorder } from './compatibility.js';
import { fixtureCommand, inProcess } from './deployments.js';
import { createFixtureApp } from './fixture-app.js';

const recorder = new CompatibilityRecorder('roles');
afterAll(() => recorder.write());

const lighttpdSkip = installed('lighttpd') ? undefined : 'lighttpd is not installed';
const fcgidSkip =
  apacheModuleInstalled('fcgid') && apacheModuleInstalled('proxy_fcgi') ? undefined : 'apache2 with mod_fcgid and mod_proxy_fcgi is not installed';
for (const reason of [lighttpdSkip, fcgidSkip]) if (reason) console.warn(`[roles] skipping: ${reason}`);

/** Runs `body` with a server; records the Authorizer outcome for `row`, and `findings` once `body` passed. */
async function authorizerCase(
  row: string,
  start: () => Promise<{ server: WebServer; stop(): Promise<void> }>,
  body: (server: WebServer) => Promise<void>,
  findings: string[] = [],
) {
  const d = await start();
  try {
    await body(d.server);
    recorder.record(row, 'authorizer', 'yes');
    for (const text of findings) recorder.measured(row, text);
  } catch (error) {
    recorder.record(row, 'authorizer', 'fail');
    throw new Error(`${(error as Error).message}\n${d.server.errorLog().slice(-3000)}`, { cause: error });
  } finally {
    await d.stop();
  }
}

async function inProcessAuthorizer(start: (path: string) => Promise<WebServer>) {
  const dir = mkdtempSync(join(tmpdir(), 'fcgi-authz-'));
  const app = await serve(authorizerFetch, { path: join(dir, 'authz.sock'), socketMode: 0o666 }).ready();
  const server = await start(join(dir, 'authz.sock')).catch(async (error: unknown) => {
    await app.close();
    throw error;
  });
  return {
    server,
    async stop() {
      await server.stop();
      await app.close({ timeout: 500 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

recorder.expect('lighttpd', 'authorizer');
describe.skipIf(lighttpdSkip !== undefined)('Authorizer behind lighttpd ("mode" => "authorizer")', () => {
  it('lets an allowed request through to the protected files and passes a denial to the browser as is', async () => {
    await authorizerCase(
      'lighttpd',
      () => inProcessAuthorizer((path) => startLighttpdAuthorizer({ upstream: { path }, prefix: '/private/' })),
      async (s) => {
        const denied = await fetch(`${s.url}/private/secret.txt`);
        expect(denied.status).toBe(403);
        expect(denied.headers.get('x-denied-by')).toBe('fetch-authorizer');
        expect(await denied.text()).toBe('denied by the fetch authorizer\n');
        const allowed = await fetch(`${s.url}/private/secret.txt`, { headers: { authorization: 'Bearer ok' } });
        expect([allowed.status, await allowed.text()]).toEqual([200, 'static content behind the authorizer\n']);
      },
      ["an Authorizer's denial reaches the browser as the app wrote it (status, headers, body)"],
    );
  });
});

recorder.expect('Apache mod_fcgid', 'authorizer');
describe.skipIf(fcgidSkip !== undefined)('Authorizer behind Apache mod_fcgid', () => {
  it('FcgidAccessChecker: Variable-* headers reach the protected app as params, a denial stops the request', async () => {
    await authorizerCase(
      'Apache mod_fcgid',
      async () => {
        // The protected app is the fixture app, served by this process behind mod_proxy_fcgi.
        let stopApp: (() => Promise<void>) | undefined;
        const d = await inProcess('unix', '/app/', async (upstream) => {
          return startApacheFcgidAuthorizer({ ...fixtureCommand({ FIXTURE_APP: 'authorizer' }), phase: 'access-checker', protect: upstream, prefix: '/app/' });
        });
        stopApp = d.stop;
        return { server: d.server, stop: () => stopApp!() };
      },
      async (s) => {
        // Apache turns any denial into its own 401 page; the authorizer's headers do come along.
        const denied = await fetch(`${s.url}/app/env`);
        expect(denied.status).toBe(401);
        expect(denied.headers.get('x-denied-by')).toBe('fetch-authorizer');
        expect(await denied.text()).not.toContain('denied by the fetch authorizer');
        const allowed = await fetch(`${s.url}/app/env`, { headers: { authorization: 'Bearer ok' } });
        expect(allowed.status).toBe(200);
        const env = await allowed.json();
        expect(env.role).toBe('responder');
        // Headers lower-case names; an Authorizer's Variable-NAME goes out with NAME upper-cased.
        expect(env.authorized).toEqual({ AUTHZ_USER: 'alice', AUTHZ_SCOPE: 'read write' });
      },
      [
        "an Authorizer's denial reaches the browser as a 401 with Apache's own page (the app's headers kept, its status and body not)",
        'Variable-NAME headers reach the protected app as NAME (written upper-case, since Headers lower-case names)',
      ],
    );
  });

  it('FcgidAuthenticator + FcgidAuthorizer: HTTP Basic through the fetch handler, and the app exits with Apache', async () => {
    let server: WebServer | undefined;
    await authorizerCase(
      'Apache mod_fcgid',
      async () => {
        server = await startApacheFcgidAuthorizer(fixtureCommand({ FIXTURE_APP: 'authorizer' }));
        return { server, stop: () => server!.stop() };
      },
      async (s) => {
        expect((await fetch(`${s.url}/secret.txt`)).status).toBe(401);
        const wrong = await fetch(`${s.url}/secret.txt`, { headers: { authorization: `Basic ${Buffer.from('no:no').toString('base64')}` } });
        expect(wrong.status).toBe(401);
        const ok = await fetch(`${s.url}/secret.txt`, { headers: { authorization: `Basic ${Buffer.from('ok:ok').toString('base64')}` } });
        expect([ok.status, await ok.text()]).toEqual([200, 'static content behind the authorizer\n']);
      },
    );
    expect(server!.leftAtExit()).toEqual([]);
    expect(leftoverProcesses(server!)).toEqual([]);
  });
});

recorder.expect('raw client', 'filter');
describe('Filter role and role-blind handlers, through a raw FastCGI client', () => {
  it('exposes the DATA stream as context.data with FCGI_DATA_LENGTH and FCGI_DATA_LAST_MOD, after STDIN', async () => {
    const seen: Record<string, unknown> = {};
    const app = await serve(
      async (request: Request, context: FastCGIContext) => {
        seen.role = context.role;
        seen.stdin = await request.text();
        seen.data = await new Response(context.data).text();
        seen.length = context.params.FCGI_DATA_LENGTH;
        seen.lastMod = context.params.FCGI_DATA_LAST_MOD;
        return new Response(String(seen.data).toUpperCase(), { headers: { 'content-type': 'text/plain' } });
      },
      { port: 0 },
    ).ready();
    const client = createClient({ host: '127.0.0.1', port: (app.address as { port: number }).port });
    try {
      const response = await client.fetch('http://localhost/file.txt', { method: 'POST', body: 'the request body', role: 'filter', data: 'file to filter ✓' });
      expect([response.status, await response.text()]).toEqual([200, 'FILE TO FILTER ✓']);
      expect(seen).toEqual({
        role: 'filter',
        stdin: 'the request body',
        data: 'file to filter ✓',
        length: String(Buffer.byteLength('file to filter ✓')),
        lastMod: '0',
      });
      recorder.record('raw client', 'filter', 'yes');
    } finally {
      await client.close({ force: true });
      await app.close();
    }
  });

  it('a Responder-only handler asked to authorize answers as usual: its 200 would allow everything', async () => {
    const app = await serve(createFixtureApp(), { port: 0 }).ready();
    const client = createClient({ host: '127.0.0.1', port: (app.address as { port: number }).port });
    try {
      const asAuthorizer = await client.fetch('http://localhost/env', { role: 'authorizer' });
      expect(asAuthorizer.status).toBe(200);
      expect((await asAuthorizer.json()).role).toBe('authorizer');
      const asFilter = await client.fetch('http://localhost/env', { role: 'filter', data: 'ignored' });
      expect((await asFilter.json()).role).toBe('filter');
    } finally {
      await client.close({ force: true });
      await app.close();
    }
  });
});
