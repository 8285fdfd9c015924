/**
 * The one suite every web server runs: the fixture app, unchanged, behind `start()`'s server.
 * What a server cannot do is declared in `traits` and asserted as such (so a server that starts
 * doing it, or stops, fails the suite); every outcome goes to the compatibility table.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftoverProcesses } from '../servers/web-server.js';
import type { CompatibilityRecorder, Feature, Outcome } from './compatibility.js';
import type { Deployment } from './deployments.js';
import { FIVE_MIB, pattern, sha256 } from './fixture-app.js';

/** What a server does, measured and then pinned here. */
export interface ServerTraits {
  /** A server-sent-events response reaches the browser event by event. */
  streams: boolean;
  /** The handler's request.signal aborts when the browser disconnects mid-response. */
  abortsOnDisconnect: boolean;
  /** The server starts the app itself: check that it exits when the server stops. */
  spawnsApp?: boolean;
}

export interface BehindServerOptions {
  /** Row of the compatibility table, e.g. 'nginx'. */
  server: string;
  /** Variant shown in test names, e.g. 'unix socket, keep-conn, at /app/'. */
  variant: string;
  /** Mount point: '/' or '/app/'. */
  prefix: string;
  /** Why the group is skipped (something not installed), or undefined to run it. */
  skip: string | undefined;
  traits: ServerTraits;
  recorder: CompatibilityRecorder;
  /** A note for the table, recorded when that feature's test passes with outcome `when`. */
  findings?: Partial<Record<Feature, { when: Outcome; text: string }>>;
  start(): Promise<Deployment>;
}

const TIMEOUT = 20_000;

/** Reads from `reader` until `text` contains `until`, or gives up after `ms` (returns false). */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: string, ms: number, sink: { text: string }): Promise<boolean> {
  const decoder = new TextDecoder();
  const deadline = Date.now() + ms;
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  while (!sink.text.includes(until)) {
    pending ??= reader.read();
    const left = deadline - Date.now();
    const result = await Promise.race([pending, new Promise<undefined>((r) => setTimeout(() => r(undefined), Math.max(0, left)))]);
    if (result === undefined) {
      // Keep the read in flight: the caller releases the stream and reads on.
      void pending.then((late) => {
        if (!late.done) sink.text += decoder.decode(late.value);
      });
      return false;
    }
    pending = undefined;
    if (result.done) return sink.text.includes(until);
    sink.text += decoder.decode(result.value);
  }
  return true;
}

export function describeBehindServer(o: BehindServerOptions): void {
  if (o.skip) console.warn(`[integration] skipping ${o.server} (${o.variant}): ${o.skip}`);
  describe.skipIf(o.skip !== undefined)(`behind ${o.server} (${o.variant})`, () => {
    let d: Deployment;
    const url = (path: string) => `${d.base}${path}`;
    /** A test whose outcome lands in the table; returning 'no' records a measured limitation. */
    const feature = (name: string, column: Feature, body: () => Promise<Outcome | void>) => {
      o.recorder.expect(o.server, column);
      it(name, async () => {
        try {
          const outcome = (await body()) ?? 'yes';
          o.recorder.record(o.server, column, outcome);
          const finding = o.findings?.[column];
          if (finding !== undefined && outcome === finding.when) o.recorder.measured(o.server, finding.text);
        } catch (error) {
          o.recorder.record(o.server, column, 'fail');
          throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- ${d?.server.name} logs ---\n${d?.server.errorLog().slice(-4000)}`, {
            cause: error,
          });
        }
      });
    };
    const get = (path: string, init: RequestInit = {}) => fetch(url(path), { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT), ...init });

    beforeAll(async () => {
      d = await o.start();
    });
    afterAll(async () => {
      await d?.stop();
    });

    feature('passes the method, the public URL with its query, and the browser address', o.prefix === '/' ? 'url' : 'prefix', async () => {
      const echo = await (await get('/echo?x=1&y=%20z')).json();
      expect(echo.method).toBe('GET');
      expect(echo.url).toBe(url('/echo?x=1&y=%20z'));
      expect(echo.remoteAddress).toBe('127.0.0.1');
      expect(echo.https).toBe(false);
    });

    feature('keeps %-encoded and UTF-8 path segments and the query byte-exact', o.prefix === '/' ? 'url' : 'prefix', async () => {
      const target = '/echo/caf%C3%A9/a%20b/%E2%9C%93?q=%C3%A9&r=a+b';
      const echo = await (await get(target)).json();
      expect(echo.url).toBe(url(target));
    });

    feature('joins repeated request headers and keeps a 6000-byte value whole', 'headers', async () => {
      const echo = await (
        await get('/echo', {
          headers: [
            ['x-custom', 'a'],
            ['x-custom', 'b'],
            ['x-long', 'v'.repeat(6000)],
          ],
        })
      ).json();
      expect(echo.headers['x-custom']).toBe('a, b');
      expect(echo.headers['x-long']).toBe('v'.repeat(6000));
    });

    feature('passes the request cookies and delivers two Set-Cookie headers separately', 'cookies', async () => {
      const response = await get('/cookies', { headers: { cookie: 'a=1; b=2' } });
      expect(response.headers.getSetCookie()).toEqual(['first=1; Path=/', 'second=2; Path=/; HttpOnly']);
      expect(await response.text()).toBe('cookie header: a=1; b=2');
    });

    feature('passes POST, PUT and DELETE, with UTF-8 bodies', 'methods', async () => {
      const put = await get('/echo-body', { method: 'PUT', body: 'héllo ✓', headers: { 'content-type': 'text/plain; charset=utf-8' } });
      expect([put.status, await put.text()]).toEqual([200, 'héllo ✓']);
      const post = await get('/echo-body', { method: 'POST', body: 'héllo ✓', headers: { 'content-type': 'text/plain; charset=utf-8' } });
      expect([post.status, await post.text()]).toEqual([200, 'héllo ✓']);
      const del = await (await get('/echo/item', { method: 'DELETE' })).json();
      expect(del.method).toBe('DELETE');
    });

    feature('forwards statuses: 404, 201 with body, 204 and 304 without, 500 on a throw, HEAD without body', 'status', async () => {
      const notFound = await get('/nope');
      expect(notFound.status).toBe(404);
      await notFound.arrayBuffer();
      const created = await get('/status/201');
      expect([created.status, await created.text()]).toEqual([201, 'status body']);
      const empty = await get('/status/204');
      expect([empty.status, await empty.text()]).toEqual([204, '']);
      const notModified = await get('/status/304');
      expect([notModified.status, notModified.headers.get('etag'), await notModified.text()]).toEqual([304, '"v1"', '']);
      const failed = await get('/throw');
      expect(failed.status).toBe(500);
      await failed.arrayBuffer();
      const head = await get('/echo', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toMatch(/application\/json/);
      expect(await head.text()).toBe('');
    });

    feature('passes a 302 with its Location as the app wrote it', 'redirect', async () => {
      const response = await get('/redirect');
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe('/echo?from=redirect');
      await response.arrayBuffer();
    });

    feature('receives a 5 MiB upload byte-exact', 'upload', async () => {
      const body = pattern(FIVE_MIB);
      const response = await get('/upload', { method: 'POST', body });
      expect(await response.json()).toEqual({ length: FIVE_MIB, sha256: sha256(body) });
    });

    feature('sends a 5 MiB download byte-exact', 'download', async () => {
      const bytes = new Uint8Array(await (await get('/download')).arrayBuffer());
      expect(bytes.length).toBe(FIVE_MIB);
      expect(sha256(bytes)).toBe(sha256(pattern(FIVE_MIB)));
    });

    const streamingName = o.traits.streams
      ? 'streams server-sent events: the first event arrives while the handler still waits'
      : 'buffers server-sent events: nothing arrives before the handler finishes (a server limitation)';
    feature(streamingName, 'sse', async () => {
      const release = d.control.arm();
      try {
        // A buffering server holds even the head back: give it 3 s, then let the handler finish.
        const started = Date.now();
        const pending = get('/stream');
        const early = await Promise.race([pending.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 3000))]);
        if (!early) release();
        const reader = (await pending).body!.getReader();
        const sink = { text: '' };
        const first = early && (await readUntil(reader, 'first', Math.max(0, 3000 - (Date.now() - started)), sink));
        if (first) expect(sink.text).toBe('data: first\n\n');
        release();
        await readUntil(reader, 'second', TIMEOUT, sink);
        expect(sink.text).toBe('data: first\n\ndata: second\n\n');
        expect(first).toBe(o.traits.streams);
        return first ? 'yes' : 'no';
      } finally {
        release();
      }
    });

    const abortName = o.traits.abortsOnDisconnect
      ? 'aborts request.signal in the handler when the browser disconnects'
      : 'does not tell the app when the browser disconnects (request.signal stays quiet: a server limitation)';
    feature(abortName, 'abort', async () => {
      const release = d.control.arm();
      try {
        const aborted = d.control.nextAbort(o.traits.abortsOnDisconnect ? 10_000 : 2_000);
        // Leave after the first event, or after 1 s when the server holds it back.
        await new Promise<void>((resolve) => {
          const req = httpRequest(url('/hang'), (res) => res.once('data', leave));
          const timer = setTimeout(leave, 1000);
          function leave(): void {
            clearTimeout(timer);
            req.destroy();
            resolve();
          }
          req.on('error', () => {});
          req.end();
        });
        const reason = await aborted;
        expect(reason === undefined ? 'not aborted' : reason).toBe(o.traits.abortsOnDisconnect ? 'AbortError' : 'not aborted');
        return reason === undefined ? 'no' : 'yes';
      } finally {
        // Servers that never abort still hold the request: let the handler finish it.
        release();
      }
    });

    // Last but one: HAProxy keeps the abandoned upload's FastCGI stream open afterwards (see the report).
    feature('answers 413 to a 5 MiB upload it never reads, without a deadlock', 'early', async () => {
      const response = await get('/reject-upload', { method: 'POST', body: pattern(FIVE_MIB) });
      expect(response.status).toBe(413);
      await response.arrayBuffer();
      // The connection (or process) is still usable afterwards.
      expect((await get('/status/201')).status).toBe(201);
    });

    if (o.traits.spawnsApp) {
      feature('stops the app it spawned: SIGTERM, in-flight work closed, no process left', 'spawn', async () => {
        const listening = d.exitLog().filter((line) => line.endsWith(' listening'));
        expect(listening.length).toBeGreaterThan(0);
        await d.server.stop();
        expect(d.server.leftAtExit()).toEqual([]);
        expect(leftoverProcesses(d.server)).toEqual([]);
        const exited = d.exitLog().filter((line) => line.endsWith(' exit SIGTERM'));
        expect(exited.map((line) => line.split(' ')[0]).sort()).toEqual(listening.map((line) => line.split(' ')[0]).sort());
      });
    }
  });
}
