/**
 * The limits, at the server level over real Unix sockets: each one is pushed past by a raw
 * FastCGI peer, and the test checks both that the excess is refused and that everything else
 * on the server goes on being served.
 */
import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { serve, type App, type FastCGIServer, type ServeOptions } from 'fastcgi-fetch';
import { ProtocolStatus, encodeBeginRequest, encodeParams, Role } from '../../src/protocol/index.js';
import { serverFixture } from './fixture.js';
import { cgiParams, floodableConnections, requestRecords, silentFlood } from '../support/fastcgi-peer.js';
import { eventually, gate } from '../support/wait.js';

const fixture = serverFixture('fcgi-hardening-');
const open = fixture.open;

function start(app: App, options: ServeOptions = {}): Promise<FastCGIServer> {
  return fixture.started(serve(app, { path: fixture.socketPath(), log: () => {}, ...options }));
}

const hello: App = () => new Response('hello');

describe('limits over real sockets', () => {
  it('closes a third concurrent connection at once while the two allowed ones stay served', async () => {
    const release = gate();
    const server = await start(
      async () => {
        await release.promise;
        return new Response('served');
      },
      { maxConnections: 2 },
    );
    const first = await open(server);
    const second = await open(server);
    first.sendRequest(1, cgiParams('GET', '/'));
    second.sendRequest(1, cgiParams('GET', '/'));
    await eventually(() => server.activeRequests === 2, 2000, 'both requests running');

    const third = await open(server);
    third.sendRequest(1, cgiParams('GET', '/'));
    expect(await third.waitClosed(2000)).toBe(true);
    expect(third.answers.size).toBe(0);

    release.open();
    expect((await first.response(1)).body.toString()).toBe('served');
    expect((await second.response(1)).body.toString()).toBe('served');
    expect(first.closed || second.closed).toBe(false);

    // Once one of the two leaves, a newcomer gets in again.
    first.destroy();
    await eventually(() => server.connections === 1, 2000, 'first connection gone');
    const fourth = await open(server);
    expect((await fourth.fetch(1, 'GET', '/')).body.toString()).toBe('served');
  });

  it('answers a request at once while 2000 silent connections hold every slot, closing those idle longest and never a busy one', async () => {
    // The default maxConnections (1024) against 2000 silent peers, scaled down only if this
    // process may not open that many files.
    const max = floodableConnections(1024);
    const release = gate();
    const server = await start(
      async (request) => {
        if (new URL(request.url).pathname === '/slow') await release.promise;
        return new Response('hello');
      },
      max === 1024 ? {} : { maxConnections: max },
    );
    // The oldest connection of all, but with a request in flight: it must survive the flood.
    const busy = await open(server);
    busy.sendRequest(1, cgiParams('GET', '/slow'));
    await eventually(() => server.activeRequests === 1, 2000, 'slow request running');

    const count = 2 * max - 48; // 2000 at the default
    const flood = await silentFlood((server.address as { path: string }).path, count, () => server.totalConnections);
    try {
      const began = Date.now();
      const honest = await open(server);
      expect((await honest.fetch(1, 'GET', '/')).body.toString()).toBe('hello');
      expect(Date.now() - began).toBeLessThan(3000); // at once, next to the 120 s idle timeout

      // Room was made from the silent connections in the order they came, oldest first.
      const evicted = count - (max - 2);
      await eventually(() => flood.closed.size === evicted, 5000, `${evicted} silent connections closed`);
      expect([...flood.closed].every((index) => index < evicted)).toBe(true);
      expect(busy.closed).toBe(false);
      release.open();
      expect((await busy.response(1)).body.toString()).toBe('hello');
    } finally {
      release.open();
      flood.destroy();
    }
  });

  it('answers requests over maxRequests with END_REQUEST OVERLOADED, on the same and on other connections, and serves the rest', async () => {
    const release = gate();
    const server = await start(
      async () => {
        await release.promise;
        return new Response('done');
      },
      { maxRequests: 2 },
    );
    const one = await open(server);
    const other = await open(server);
    one.send(Buffer.concat([1, 2, 3].map((id) => requestRecords(id, cgiParams('GET', '/'), undefined, { keepConn: true }))));
    const overloaded = await one.answer(3);
    expect(overloaded.end).toEqual({ appStatus: 0, protocolStatus: ProtocolStatus.OVERLOADED });
    expect(overloaded.stdout.length).toBe(0);
    other.sendRequest(7, cgiParams('GET', '/'));
    expect((await other.answer(7)).end?.protocolStatus).toBe(ProtocolStatus.OVERLOADED);
    // A refused keep-conn request leaves its connection usable.
    expect(other.closed).toBe(false);

    release.open();
    for (const id of [1, 2]) {
      const response = await one.response(id);
      expect([response.status, response.body.toString()]).toEqual([200, 'done']);
    }
    // The slots are free again.
    expect((await other.fetch(8, 'GET', '/')).body.toString()).toBe('done');
    expect(server.activeRequests).toBe(0);
  });

  it('closes only the connection whose PARAMS exceed maxParamsBytes', async () => {
    const release = gate();
    const server = await start(
      async () => {
        await release.promise;
        return new Response('fine');
      },
      { maxParamsBytes: 1024 },
    );
    const bystander = await open(server);
    bystander.sendRequest(1, cgiParams('GET', '/'));
    await eventually(() => server.activeRequests === 1, 2000, 'bystander request running');

    const greedy = await open(server);
    greedy.sendBegin(1, cgiParams('GET', '/', [['HTTP_COOKIE', 'x'.repeat(4096)]]));
    expect(await greedy.waitClosed(2000)).toBe(true);
    expect(greedy.answers.get(1)?.end).toBeUndefined();

    release.open();
    expect((await bystander.response(1)).body.toString()).toBe('fine');
    expect(bystander.closed).toBe(false);
    expect((await bystander.fetch(2, 'GET', '/')).body.toString()).toBe('fine');
  });

  it('answers a body over maxBodySize with 413 and keeps the connection for the next request', async () => {
    let called = 0;
    const server = await start(
      async (request) => {
        called++;
        const body = await request.arrayBuffer();
        return new Response(`got ${body.byteLength}`);
      },
      { maxBodySize: 1000 },
    );
    const peer = await open(server);
    const big = new Uint8Array(5000).fill(0x62);

    // Declared too large: refused without running the handler.
    peer.sendRequest(1, cgiParams('POST', '/', [['CONTENT_LENGTH', '5000']]), big);
    const declared = await peer.response(1);
    expect(declared.status).toBe(413);
    expect(called).toBe(0);

    // No length declared (chunked upload through the web server): fails while being read.
    peer.sendRequest(2, cgiParams('POST', '/'), big);
    expect((await peer.response(2)).status).toBe(413);

    peer.sendRequest(3, cgiParams('POST', '/', [['CONTENT_LENGTH', '10']]), new Uint8Array(10));
    const next = await peer.response(3);
    expect([next.status, next.body.toString()]).toEqual([200, 'got 10']);
    expect(peer.closed).toBe(false);
  });

  it('closes a connection left idle for idleTimeout, but not one whose request is still running', async () => {
    const release = gate();
    const server = await start(
      async (request) => {
        if (new URL(request.url).pathname === '/slow') await release.promise;
        return new Response('ok');
      },
      { idleTimeout: 150 },
    );
    const idle = await open(server);
    expect((await idle.fetch(1, 'GET', '/')).body.toString()).toBe('ok');
    const busy = await open(server);
    busy.sendRequest(1, cgiParams('GET', '/slow'));

    expect(await idle.waitClosed(2000)).toBe(true);
    expect(busy.closed).toBe(false);
    release.open();
    expect((await busy.response(1)).body.toString()).toBe('ok');
  });

  it('also closes an idle connection that never sent a whole record', async () => {
    const server = await start(hello, { idleTimeout: 150 });
    const peer = await open(server);
    peer.send(encodeBeginRequest(1, Role.RESPONDER, true).subarray(0, 5));
    expect(await peer.waitClosed(2000)).toBe(true);
    await eventually(() => server.connections === 0, 2000, 'connection released');
  });

  it('releases the socket of an idle connection whose peer never closes its side', async () => {
    const server = await start(hello, { idleTimeout: 100 });
    // A peer that keeps its half open after the application's FIN, as a stuck client would.
    const stubborn = await open(server, { allowHalfOpen: true });
    expect((await stubborn.fetch(1, 'GET', '/')).body.toString()).toBe('hello');
    await eventually(() => server.connections === 0, 3000, 'server-side socket closed');
  });

  it('closes a connection whose PARAMS stall past paramsTimeout, even while it dribbles bytes, and serves others', async () => {
    const server = await start(hello, { paramsTimeout: 200, idleTimeout: 0 });
    const slowloris = await open(server);
    const paramsBytes = encodeParams(1, cgiParams('GET', '/', [['HTTP_X_PAD', 'p'.repeat(200)]]));
    slowloris.send(encodeBeginRequest(1, Role.RESPONDER, true));
    let sent = 0;
    const dribble = setInterval(() => {
      if (sent < paramsBytes.length && !slowloris.closed) slowloris.send(paramsBytes.subarray(sent, ++sent));
    }, 20);
    try {
      const began = Date.now();
      expect(await slowloris.waitClosed(3000)).toBe(true);
      expect(Date.now() - began).toBeLessThan(2000);
      expect(sent).toBeLessThan(paramsBytes.length);
    } finally {
      clearInterval(dribble);
    }
    expect(slowloris.answers.get(1)?.end).toBeUndefined();
    await eventually(() => server.activeRequests === 0 && server.connections === 0, 2000, 'slot and socket released');

    const honest = await open(server);
    expect((await honest.fetch(1, 'GET', '/')).body.toString()).toBe('hello');
  });

  it('does not time out a request whose PARAMS completed, however long its handler runs', async () => {
    const server = await start(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        return new Response('late but fine');
      },
      { paramsTimeout: 100 },
    );
    const peer = await open(server);
    expect((await peer.fetch(1, 'GET', '/')).body.toString()).toBe('late but fine');
  });

  it('creates its Unix socket for owner and group only (0660), even under an umask that allows everyone', async () => {
    const previous = process.umask(0);
    let server: FastCGIServer;
    try {
      server = await start(hello);
    } finally {
      process.umask(previous);
    }
    const address = server.address;
    expect(address?.type).toBe('unix');
    const mode = (await stat((address as { path: string }).path)).mode;
    expect((mode & 0o777).toString(8)).toBe('660');
  });
});
