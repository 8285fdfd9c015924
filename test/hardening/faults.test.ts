/**
 * Faults, at the server level over real Unix sockets: handlers that hang or fail in every way
 * a handler can, and peers that vanish mid-record. Each is contained to its own request or
 * connection; the server answers the next request and leaves nothing in flight.
 */
import { describe, expect, it } from 'vitest';
import { BodyIncompleteError, serve, type FastCGIServer, type ServeOptions } from 'fastcgi-fetch';
import { createClient } from 'fastcgi-fetch/client';

import { serverFixture } from './fixture.js';
import { abortRecord, beginRecords, cgiParams, stdinRecords } from '../support/fastcgi-peer.js';
import { eventually } from '../support/wait.js';

const fixture = serverFixture('fcgi-faults-');
const open = fixture.open;

/** What the fault app's handlers saw, for the tests to check containment from the inside. */
interface Seen {
  signals: Map<string, AbortSignal>;
  bodyErrors: Map<string, unknown>;
  cancelled: Map<string, unknown>;
  logs: string[];
}

/** One app with a route per fault; `/ok` is the request that must keep working. */
async function faultServer(options: ServeOptions = {}, tcp = false): Promise<{ server: FastCGIServer; seen: Seen }> {
  const seen: Seen = { signals: new Map(), bodyErrors: new Map(), cancelled: new Map(), logs: [] };
  const server = serve(
    async (request) => {
      const path = new URL(request.url).pathname;
      seen.signals.set(path, request.signal);
      switch (path) {
        case '/ok':
          return new Response('ok');
        case '/hang':
          return new Promise<Response>(() => {});
        case '/throw-sync':
          throw new Error('thrown synchronously');
        case '/throw-async':
          await new Promise((resolve) => setTimeout(resolve, 5));
          throw new Error('thrown after an await');
        case '/throw-nothing':
          // eslint-disable-next-line @typescript-eslint/only-throw-error
          throw undefined;
        case '/not-a-response':
          return undefined as unknown as Response;
        case '/body-fails-at-once':
          return new Response(
            new ReadableStream({
              pull() {
                throw new Error('body failed before its first chunk');
              },
            }),
          );
        case '/body-fails-midway': {
          let pulls = 0;
          return new Response(
            new ReadableStream<Uint8Array>({
              async pull(controller) {
                pulls++;
                if (pulls === 1) controller.enqueue(new TextEncoder().encode('partial '));
                else {
                  await new Promise((resolve) => setTimeout(resolve, 5));
                  throw new Error('body failed mid-way');
                }
              },
            }),
          );
        }
        case '/endless': {
          const chunk = new Uint8Array(64 * 1024).fill(0x7a);
          return new Response(
            new ReadableStream<Uint8Array>({
              pull(controller) {
                controller.enqueue(chunk);
              },
              cancel(reason) {
                seen.cancelled.set(path, reason);
              },
            }),
          );
        }
        case '/read-body':
          try {
            const body = await request.arrayBuffer();
            return new Response(`read ${body.byteLength} bytes`);
          } catch (error) {
            seen.bodyErrors.set(path, error);
            throw error;
          }
        default:
          return new Response('not found', { status: 404 });
      }
    },
    {
      // A TCP reset (resetAndDestroy) needs a TCP socket; everything else runs over a Unix socket.
      ...(tcp ? { port: 0 } : { path: fixture.socketPath() }),
      log: (line) => void seen.logs.push(line),
      ...options,
    },
  );
  await fixture.started(server);
  return { server, seen };
}

describe('faults over real sockets', () => {
  it('a handler that never resolves blocks neither the requests multiplexed beside it nor other connections', async () => {
    const { server, seen } = await faultServer();
    const peer = await open(server);
    peer.sendRequest(1, cgiParams('GET', '/hang'));
    for (let id = 2; id <= 4; id++) expect((await peer.fetch(id, 'GET', '/ok')).body.toString()).toBe('ok');
    const other = await open(server);
    expect((await other.fetch(1, 'GET', '/ok')).body.toString()).toBe('ok');
    expect(server.activeRequests).toBe(1);

    // The web server can still give up on it: ABORT_REQUEST ends it and frees its slot.
    peer.send(abortRecord(1));
    const aborted = await peer.answer(1);
    expect(aborted.end?.protocolStatus).toBe(0);
    expect(seen.signals.get('/hang')?.aborted).toBe(true);
    expect(server.activeRequests).toBe(0);
    expect((await peer.fetch(5, 'GET', '/ok')).body.toString()).toBe('ok');
  });

  it('a hung handler on a connection the peer drops is aborted and frees its slot', async () => {
    const { server, seen } = await faultServer({ maxRequests: 1 });
    const doomed = await open(server);
    doomed.sendRequest(1, cgiParams('GET', '/hang'));
    await eventually(() => server.activeRequests === 1, 2000, 'hung request running');
    doomed.destroy();
    await eventually(() => server.activeRequests === 0, 2000, 'slot released');
    expect(seen.signals.get('/hang')?.aborted).toBe(true);
    const next = await open(server);
    expect((await next.fetch(1, 'GET', '/ok')).body.toString()).toBe('ok');
  });

  describe('contains a failing handler to a 500 and serves the next request on the same connection', () => {
    const cases = [
      ['throws synchronously', '/throw-sync'],
      ['rejects after an await', '/throw-async'],
      ['throws undefined', '/throw-nothing'],
      ['returns something that is not a Response', '/not-a-response'],
      ['returns a body that fails before its first chunk', '/body-fails-at-once'],
    ] as const;
    for (const [name, path] of cases) {
      it(`when it ${name}`, async () => {
        const { server, seen } = await faultServer();
        const peer = await open(server);
        const failed = await peer.fetch(1, 'GET', path);
        expect(failed.status).toBe(500);
        // The client sees no detail of the failure; the web server's log and the app's do.
        expect(failed.body.toString()).toBe('Internal Server Error\n');
        expect(peer.answers.get(1)?.stderr).toMatch(/request failed/);
        expect(seen.logs.join('\n')).toMatch(/failed/);
        expect((await peer.fetch(2, 'GET', '/ok')).body.toString()).toBe('ok');
        expect(peer.closed).toBe(false);
        expect(server.activeRequests).toBe(0);
      });
    }
  });

  it('answers 400 to a body that ends short of CONTENT_LENGTH, never passes on bytes past it, and serves on', async () => {
    const { server, seen } = await faultServer();
    const peer = await open(server);
    const body = (length: number) => new Uint8Array(length).fill(0x62);
    // A streaming web server gave up on the upload half-way: STDIN ends after 50 of 100 bytes.
    peer.sendRequest(1, cgiParams('POST', '/read-body', [['CONTENT_LENGTH', '100']]), body(50));
    const short = await peer.response(1);
    expect(short.status).toBe(400);
    expect(peer.answers.get(1)!.stderr).toMatch(/request body ended after 50 of the 100 bytes announced/);
    expect(seen.bodyErrors.get('/read-body')).toBeInstanceOf(BodyIncompleteError);
    peer.sendRequest(2, cgiParams('POST', '/read-body', [['CONTENT_LENGTH', '10']]), body(50));
    expect((await peer.response(2)).body.toString()).toBe('read 10 bytes');
    peer.sendRequest(3, cgiParams('POST', '/read-body'), body(50));
    expect((await peer.response(3)).body.toString()).toBe('read 50 bytes');
    expect(peer.closed).toBe(false);
    expect(server.activeRequests).toBe(0);
  });

  it('fails a response whose body breaks mid-way as broken, not complete: no END_REQUEST, the connection closed, the next one served', async () => {
    const { server, seen } = await faultServer();
    const peer = await open(server);
    peer.sendRequest(1, cgiParams('GET', '/body-fails-midway'));
    expect(await peer.waitClosed(5000)).toBe(true);
    const cut = peer.answers.get(1)!;
    expect(Buffer.from(cut.stdout).toString('latin1')).toBe('Status: 200 OK\r\n\r\npartial ');
    expect([cut.failed, cut.end]).toEqual(['abort-record', undefined]);
    expect(cut.stderr).toMatch(/request failed: BodyStreamError: .*body failed mid-way/);
    expect(seen.logs.join('\n')).toMatch(/body failed mid-way/);
    expect(server.activeRequests).toBe(0);
    const next = await open(server);
    expect((await next.fetch(1, 'GET', '/ok')).body.toString()).toBe('ok');
  });

  it('fails only that request when its body breaks on a multiplexed connection, which serves on', async () => {
    const { server } = await faultServer();
    const peer = await open(server);
    peer.sendRequest(1, cgiParams('GET', '/hang'));
    peer.sendRequest(2, cgiParams('GET', '/body-fails-midway'));
    await peer.until(() => peer.answers.get(2)?.failed !== undefined, 5000, 'request 2 failed');
    expect(peer.answers.get(2)).toMatchObject({ failed: 'abort-record+empty-end', end: undefined });
    expect(peer.closed).toBe(false);
    expect((await peer.fetch(3, 'GET', '/ok')).body.toString()).toBe('ok');
    // Its id is free again, and the request beside it was untouched.
    expect((await peer.fetch(2, 'GET', '/ok')).body.toString()).toBe('ok');
    expect(server.activeRequests).toBe(1);
    peer.send(abortRecord(1));
    await peer.answer(1);
    expect(server.activeRequests).toBe(0);
  });

  it('cancels an endless response body when the peer resets the connection, and keeps serving', async () => {
    const { server, seen } = await faultServer({}, true);
    const peer = await open(server);
    peer.sendRequest(1, cgiParams('GET', '/endless'));
    await peer.until(() => (peer.answers.get(1)?.stdout.length ?? 0) > 256 * 1024, 5000, 'body streaming');
    peer.socket.resetAndDestroy();
    await eventually(() => seen.cancelled.has('/endless'), 2000, 'body cancelled');
    expect(seen.signals.get('/endless')?.aborted).toBe(true);
    await eventually(() => server.activeRequests === 0 && server.connections === 0, 2000, 'request and connection released');
    const next = await open(server);
    expect((await next.fetch(1, 'GET', '/ok')).body.toString()).toBe('ok');
  });

  describe('contains a peer that resets the connection mid-record', () => {
    const partials: Array<[string, () => Uint8Array]> = [
      ['inside a record header', () => beginRecords(1, cgiParams('GET', '/ok'), { keepConn: true }).subarray(0, 3)],
      ['inside the PARAMS stream', () => beginRecords(1, cgiParams('GET', '/ok'), { keepConn: true }).subarray(0, 40)],
      [
        'inside a STDIN record while the handler reads the body',
        () =>
          Buffer.concat([beginRecords(1, cgiParams('POST', '/read-body'), { keepConn: true }), stdinRecords(1, new Uint8Array(3000), false).subarray(0, 1500)]),
      ],
    ];
    for (const [where, bytes] of partials) {
      for (const how of ['reset', 'destroy'] as const) {
        it(`${where} (${how === 'reset' ? 'TCP reset' : 'plain close'})`, async () => {
          const { server, seen } = await faultServer({}, how === 'reset');
          const bystander = await open(server);
          bystander.sendRequest(1, cgiParams('GET', '/hang'));
          const peer = await open(server);
          peer.send(bytes());
          await eventually(() => server.connections === 2, 2000, 'both connections accepted');
          if (where.includes('STDIN')) await eventually(() => seen.signals.has('/read-body'), 2000, 'handler started');
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (how === 'reset') peer.socket.resetAndDestroy();
          else peer.destroy();
          await eventually(() => server.connections === 1, 2000, 'broken connection released');
          if (where.includes('STDIN')) {
            await eventually(() => seen.bodyErrors.has('/read-body'), 2000, 'body read failed');
            expect(seen.signals.get('/read-body')?.aborted).toBe(true);
          }
          // Only the hung request of the bystander is left; the bystander still works.
          await eventually(() => server.activeRequests === 1, 2000, 'broken request released');
          expect(bystander.closed).toBe(false);
          expect((await bystander.fetch(2, 'GET', '/ok')).body.toString()).toBe('ok');
        });
      }
    }
  });

  it('keeps serving through the client entry point after all of the above on one connection pool', async () => {
    const { server } = await faultServer();
    const address = server.address as { path: string };
    const client = createClient({ path: address.path });
    try {
      const statuses: number[] = [];
      for (const path of ['/throw-sync', '/throw-async', '/body-fails-at-once', '/ok', '/not-a-response', '/ok']) {
        const response = await client.fetch(`http://localhost${path}`);
        await response.arrayBuffer();
        statuses.push(response.status);
      }
      expect(statuses).toEqual([500, 500, 500, 200, 500, 200]);
    } finally {
      await client.close();
    }
  });
});
