/**
 * Proves the real-web-server harness itself: every starter brings up its
 * server on loopback with a validated config, forwards to a FastCGI app, and
 * stop() leaves neither a process nor its temp dir behind.
 *
 * The app here is TEST_FIXTURE_RESPONDER below, a deliberately tiny FastCGI
 * responder – not the library – so these tests do not depend on src/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheModuleInstalled, startApache, startApacheCgi, startApacheFcgid, startApacheFcgidAuthorizer } from './apache.js';
import { startCaddy } from './caddy.js';
import { startHaproxy } from './haproxy.js';
import { startLighttpd, startLighttpdAuthorizer, startLighttpdSpawn } from './lighttpd.js';
import { startNginx } from './nginx.js';
import { installed, leftoverProcesses, type Upstream, type WebServer } from './web-server.js';

/**
 * TEST FIXTURE – a minimal FastCGI app (CommonJS source for `node -e`).
 * argv[1]: "unix:<path>", "tcp:<port>" or "fd0" (socket inherited from the
 * web server). Responders get "fixture <greeting> <REQUEST_URI>"; authorizers
 * allow "Bearer ok" or Basic ok:ok and answer 403 otherwise. Answers
 * FCGI_GET_VALUES, honours keep-conn, ignores records it does not need.
 */
const TEST_FIXTURE_RESPONDER = String.raw`
const net = require('node:net');
const rec = (type, id, body) => { const h = Buffer.alloc(8); h[0] = 1; h[1] = type; h.writeUInt16BE(id, 2); h.writeUInt16BE(body.length, 4); return Buffer.concat([h, body]); };
const pair = (k, v) => Buffer.concat([Buffer.from([k.length, v.length]), Buffer.from(k + v)]);
function params(b) { const p = {}; let i = 0; const len = () => (b[i] & 0x80 ? (i += 4, b.readUInt32BE(i - 4) & 0x7fffffff) : b[i++]);
  while (i < b.length) { const n = len(), v = len(); p[b.toString('latin1', i, i + n)] = b.toString('latin1', i + n, i + n + v); i += n + v; } return p; }
const server = net.createServer((sock) => {
  let buf = Buffer.alloc(0); const reqs = new Map();
  sock.on('error', () => {});
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 8 && buf.length >= 8 + buf.readUInt16BE(4) + buf[6]) {
      const type = buf[1], id = buf.readUInt16BE(2), body = buf.subarray(8, 8 + buf.readUInt16BE(4));
      buf = buf.subarray(8 + body.length + buf[6]);
      if (type === 9) { sock.write(rec(10, 0, Buffer.concat([pair('FCGI_MAX_CONNS', '10'), pair('FCGI_MAX_REQS', '10'), pair('FCGI_MPXS_CONNS', '0')]))); continue; }
      if (type === 1) { reqs.set(id, { role: body.readUInt16BE(0), keep: body[2] & 1, raw: [] }); continue; }
      const r = reqs.get(id);
      if (!r) continue;
      if (type === 4 && body.length) r.raw.push(body);
      if (type === 4 && !body.length) r.p = params(Buffer.concat(r.raw));
      if ((type === 5 && !body.length) || (type === 4 && !body.length && r.role === 2)) {
        reqs.delete(id);
        const auth = r.p.HTTP_AUTHORIZATION, ok = auth === 'Bearer ok' || auth === 'Basic b2s6b2s=';
        const out = r.role === 2
          ? (ok ? 'Status: 200 OK\r\n\r\n' : 'Status: 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nfixture denies')
          : 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nfixture ' + (process.env.FIXTURE_GREETING || 'hello') + ' ' + r.p.REQUEST_URI;
        sock.write(Buffer.concat([rec(6, id, Buffer.from(out)), rec(6, id, Buffer.alloc(0)), rec(3, id, Buffer.alloc(8))]));
        if (!r.keep) sock.end();
      }
    }
  });
});
const where = process.argv[1];
if (where === 'fd0') server.listen({ fd: 0 });
else if (where.startsWith('tcp:')) server.listen(Number(where.slice(4)), '127.0.0.1', () => console.log('ready'));
else server.listen(where.slice(5), () => console.log('ready'));
`;

/** argv that makes a web server spawn the fixture (it inherits the socket on fd 0). */
const spawnedFixture = { command: [process.execPath, '-e', TEST_FIXTURE_RESPONDER, 'fd0'], env: { FIXTURE_GREETING: "spawned, it's me" } };

function missing(...binaries: string[]): string | undefined {
  const absent = binaries.filter((b) => !installed(b));
  return absent.length ? `not installed: ${absent.join(', ')}` : undefined;
}
/** Prints why a group of tests is skipped – only ever because something is not installed. */
function skipReason(group: string, reason: string | undefined): boolean {
  if (reason) console.warn(`[harness.test] skipping "${group}": ${reason}`);
  return reason !== undefined;
}

const fixtures: ChildProcess[] = [];
let scratch = '';
let unixUpstream: Upstream;
let tcpUpstream: Upstream;

async function startFixture(where: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', TEST_FIXTURE_RESPONDER, where], { stdio: ['ignore', 'pipe', 'inherit'] });
  fixtures.push(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fixture ${where} did not start`)), 10_000);
    child.stdout?.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => reject(new Error(`fixture ${where} exited with ${code}`)));
  });
}

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcgi-harness-test-'));
  unixUpstream = { path: path.join(scratch, 'fixture.sock') };
  const probe = net.createServer();
  const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as net.AddressInfo).port)));
  await new Promise((resolve) => probe.close(resolve));
  tcpUpstream = { host: '127.0.0.1', port };
  await Promise.all([startFixture(`unix:${unixUpstream.path}`), startFixture(`tcp:${port}`)]);
});

afterAll(() => {
  for (const child of fixtures) child.kill('SIGKILL');
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

/** 5 MiB: the size the integration tests upload; needs raised body limits in nginx, lighttpd, mod_fcgid. */
const FIVE_MIB = new Uint8Array(5 * 1024 * 1024).fill(0x61);

/**
 * Starts a server, runs `check` against it and stops it; on failure the
 * server's logs are attached to the error. Then asserts nothing is left.
 */
async function withServer(start: () => Promise<WebServer>, check: (server: WebServer) => Promise<void>): Promise<void> {
  const server = await start();
  try {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(leftoverProcesses(server).length).toBeGreaterThan(0); // sanity: we can see it running
    await check(server);
  } catch (e) {
    await server.stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${server.errorLog()}`, { cause: e });
  }
  await server.stop();
  expect(leftoverProcesses(server)).toEqual([]);
  expect(fs.existsSync(server.dir)).toBe(false);
}

describe.skipIf(skipReason('nginx', missing('nginx')))('nginx', () => {
  it('forwards to a unix socket app and leaves no process behind after stop', async () => {
    await withServer(
      () => startNginx({ upstream: unixUpstream }),
      async (s) => {
        expect(await get(`${s.url}/hello?x=1`)).toEqual({ status: 200, body: 'fixture hello /hello?x=1' });
        expect(await get(`${s.url}/upload`, { method: 'POST', body: FIVE_MIB })).toEqual({ status: 200, body: 'fixture hello /upload' });
        expect(s.errorLog()).toContain('start worker process');
      },
    );
  });

  it('mounts under a prefix with kept-alive connections to a TCP app, unbuffered', async () => {
    await withServer(
      () => startNginx({ upstream: tcpUpstream, keepConn: true, prefix: '/app/', buffering: false }),
      async (s) => {
        expect(s.config).toContain('keepalive 8;');
        expect(s.config).toContain('fastcgi_buffering off;');
        for (let i = 0; i < 3; i++) expect((await get(`${s.url}/app/r${i}`)).body).toBe(`fixture hello /app/r${i}`);
        expect((await get(`${s.url}/elsewhere`)).status).toBe(404);
      },
    );
  });

  it('rejects a broken config with the check output and cleans up', async () => {
    const err = await startNginx({ upstream: unixUpstream, prefix: '/app/ {' }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/config check failed/);
    const dir = /--- config (\S+)\/nginx\.conf ---/.exec(String(err))?.[1];
    expect(dir).toBeDefined();
    expect(fs.existsSync(dir!)).toBe(false);
  });

  it('refuses a non-loopback upstream', async () => {
    await expect(startNginx({ upstream: { host: '192.0.2.1', port: 9000 } })).rejects.toThrow(/loopback/);
  });
});

describe.skipIf(skipReason('apache mod_proxy_fcgi', missing('apache2', '/usr/lib/apache2/modules/mod_proxy_fcgi.so')))('apache mod_proxy_fcgi', () => {
  it('forwards to a unix socket app and leaves no process behind after stop', async () => {
    await withServer(
      () => startApache({ upstream: unixUpstream }),
      async (s) => {
        expect(await get(`${s.url}/hello?x=1`)).toEqual({ status: 200, body: 'fixture hello /hello?x=1' });
        expect(await get(`${s.url}/upload`, { method: 'POST', body: FIVE_MIB })).toEqual({ status: 200, body: 'fixture hello /upload' });
      },
    );
  });

  it('mounts a TCP app under a prefix, unbuffered', async () => {
    await withServer(
      () => startApache({ upstream: tcpUpstream, prefix: '/app/', buffering: false }),
      async (s) => {
        expect(s.config).toContain('flushpackets=on');
        expect((await get(`${s.url}/app/x`)).body).toBe('fixture hello /app/x');
        expect((await get(`${s.url}/x`)).status).toBe(404);
      },
    );
  });
});

describe.skipIf(skipReason('apache mod_fcgid', missing('apache2', '/usr/lib/apache2/modules/mod_fcgid.so')))('apache mod_fcgid', () => {
  it('spawns the app with its environment and stops it together with Apache', async () => {
    await withServer(
      () => startApacheFcgid(spawnedFixture),
      async (s) => {
        // FIVE_MIB is far above mod_fcgid's default 128 KiB request cap
        expect(await get(`${s.url}/a?b=c`, { method: 'POST', body: FIVE_MIB })).toEqual({ status: 200, body: "fixture spawned, it's me /a?b=c" });
      },
    );
  });

  it('guards static files with FcgidAuthenticator + FcgidAuthorizer (HTTP Basic)', async () => {
    await withServer(
      () => startApacheFcgidAuthorizer(spawnedFixture),
      async (s) => {
        expect((await get(`${s.url}/secret.txt`)).status).toBe(401);
        expect((await get(`${s.url}/secret.txt`, { headers: { authorization: 'Basic bm86bm8=' } })).status).toBe(401);
        const ok = await get(`${s.url}/secret.txt`, { headers: { authorization: 'Basic b2s6b2s=' } });
        expect(ok).toEqual({ status: 200, body: 'static content behind the authorizer\n' });
      },
    );
  });

  it('guards a proxied app with FcgidAccessChecker (bearer token)', async () => {
    await withServer(
      () => startApacheFcgidAuthorizer({ ...spawnedFixture, phase: 'access-checker', protect: unixUpstream, prefix: '/api/' }),
      async (s) => {
        expect((await get(`${s.url}/api/x`)).status).toBe(401);
        expect(await get(`${s.url}/api/x`, { headers: { authorization: 'Bearer ok' } })).toEqual({ status: 200, body: 'fixture hello /api/x' });
      },
    );
  });
});

describe.skipIf(skipReason('apache mod_cgid', missing('apache2', '/usr/lib/apache2/modules/mod_cgid.so')))('apache CGI', () => {
  it('runs a CGI program per request with its environment', async () => {
    const cgi = {
      command: ['/bin/sh', '-c', 'printf "Status: 201 Created\\r\\nContent-Type: text/plain\\r\\n\\r\\ncgi %s %s" "$GREETING" "$REQUEST_URI"'],
      env: { GREETING: 'hi there' },
    };
    expect(apacheModuleInstalled('cgid')).toBe(true);
    await withServer(
      () => startApacheCgi(cgi),
      async (s) => {
        expect(await get(`${s.url}/p/q?r=1`)).toEqual({ status: 201, body: 'cgi hi there /p/q?r=1' });
      },
    );
  });
});

describe.skipIf(skipReason('lighttpd', missing('lighttpd')))('lighttpd', () => {
  it('forwards to a unix socket app and leaves no process behind after stop', async () => {
    await withServer(
      () => startLighttpd({ upstream: unixUpstream }),
      async (s) => {
        expect(await get(`${s.url}/hello?x=1`)).toEqual({ status: 200, body: 'fixture hello /hello?x=1' });
        expect(await get(`${s.url}/upload`, { method: 'POST', body: FIVE_MIB })).toEqual({ status: 200, body: 'fixture hello /upload' });
      },
    );
  });

  it('mounts a TCP app under a prefix, unbuffered', async () => {
    await withServer(
      () => startLighttpd({ upstream: tcpUpstream, prefix: '/app/', buffering: false }),
      async (s) => {
        expect((await get(`${s.url}/app/x`)).body).toBe('fixture hello /app/x');
      },
    );
  });

  it('spawns the app via bin-path and stops it together with lighttpd', async () => {
    await withServer(
      () => startLighttpdSpawn(spawnedFixture),
      async (s) => {
        expect(await get(`${s.url}/a`, { method: 'POST', body: FIVE_MIB })).toEqual({ status: 200, body: "fixture spawned, it's me /a" });
      },
    );
  });

  it('guards static files with an authorizer, passing its denial through', async () => {
    await withServer(
      () => startLighttpdAuthorizer({ upstream: unixUpstream, prefix: '/private/' }),
      async (s) => {
        expect(await get(`${s.url}/private/secret.txt`)).toEqual({ status: 403, body: 'fixture denies' });
        const ok = await get(`${s.url}/private/secret.txt`, { headers: { authorization: 'Bearer ok' } });
        expect(ok).toEqual({ status: 200, body: 'static content behind the authorizer\n' });
      },
    );
  });

  it('spawns an authorizer via bin-path', async () => {
    await withServer(
      () => startLighttpdAuthorizer(spawnedFixture),
      async (s) => {
        expect((await get(`${s.url}/secret.txt`)).status).toBe(403);
        expect((await get(`${s.url}/secret.txt`, { headers: { authorization: 'Bearer ok' } })).status).toBe(200);
      },
    );
  });
});

describe.skipIf(skipReason('caddy', missing('caddy')))('caddy', () => {
  it('forwards to a unix socket app and leaves no process behind after stop', async () => {
    await withServer(
      () => startCaddy({ upstream: unixUpstream }),
      async (s) => {
        expect(await get(`${s.url}/hello?x=1`)).toEqual({ status: 200, body: 'fixture hello /hello?x=1' });
        expect(await get(`${s.url}/upload`, { method: 'POST', body: FIVE_MIB })).toEqual({ status: 200, body: 'fixture hello /upload' });
      },
    );
  });

  it('mounts a TCP app under a prefix, unbuffered', async () => {
    await withServer(
      () => startCaddy({ upstream: tcpUpstream, prefix: '/app/', buffering: false }),
      async (s) => {
        expect(s.config).toContain('flush_interval -1');
        expect((await get(`${s.url}/app/x`)).body).toBe('fixture hello /app/x');
      },
    );
  });
});

describe.skipIf(skipReason('haproxy', missing('haproxy')))('haproxy', () => {
  it('forwards to a unix socket app and leaves no process behind after stop', async () => {
    await withServer(
      () => startHaproxy({ upstream: unixUpstream }),
      async (s) => {
        expect(await get(`${s.url}/hello?x=1`)).toEqual({ status: 200, body: 'fixture hello /hello?x=1' });
        expect(await get(`${s.url}/upload`, { method: 'POST', body: FIVE_MIB })).toEqual({ status: 200, body: 'fixture hello /upload' });
        expect(await get(`${s.url}/again`)).toEqual({ status: 200, body: 'fixture hello /again' });
      },
    );
  });

  it('routes only a prefix to a TCP app', async () => {
    await withServer(
      () => startHaproxy({ upstream: tcpUpstream, prefix: '/app/' }),
      async (s) => {
        expect((await get(`${s.url}/app/x`)).body).toBe('fixture hello /app/x');
        expect((await get(`${s.url}/x`)).status).toBe(503);
      },
    );
  });
});
