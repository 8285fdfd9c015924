import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, FastCGIConnectionError, FastCGIProtocolError, FastCGIRejectedError, FastCGIResponseAbortedError } from 'fastcgi-fetch/client';
import { RecordType, encodeEndRequest, encodeRecord, encodeStream } from '../protocol/index.js';

const text = new TextEncoder();

/** A raw TCP peer that answers every BEGIN_REQUEST with the bytes `reply(id)` gives. */
async function rawApplication(reply: (socket: Socket) => void): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => {
    socket.once('data', () => reply(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server };
}

describe('the client facing a misbehaving application', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  const cases: Array<[string, (socket: Socket) => void, new (...args: never[]) => Error, RegExp]> = [
    ['a record with version 2', (s) => s.write(new Uint8Array([2, 6, 0, 1, 0, 0, 0, 0])), FastCGIProtocolError, /version 2/],
    [
      'a CGI head line without a colon',
      (s) => s.write(encodeStream(RecordType.STDOUT, 1, text.encode('garbage\r\n\r\nbody'), true)),
      FastCGIProtocolError,
      /malformed CGI header/,
    ],
    ['END_REQUEST with no STDOUT at all', (s) => s.write(encodeEndRequest(1, 0, 0)), FastCGIProtocolError, /no response/],
    ['an OVERLOADED answer', (s) => s.write(encodeEndRequest(1, 0, 2)), FastCGIRejectedError, /overloaded/],
    ['a close before END_REQUEST', (s) => s.end(), FastCGIConnectionError, /closed before/],
    [
      'an empty END_REQUEST not preceded by its ABORT_REQUEST',
      (s) => s.write(encodeRecord(RecordType.END_REQUEST, 1)),
      FastCGIProtocolError,
      /END_REQUEST of 0 bytes/,
    ],
    [
      'an invalid Status',
      (s) => s.write(encodeStream(RecordType.STDOUT, 1, text.encode('Status: 99 Odd\r\n\r\n'), true)),
      FastCGIProtocolError,
      /invalid CGI Status/,
    ],
  ];

  it.each(cases)('rejects %s with a typed error', async (_name, reply, type, message) => {
    const app = await rawApplication(reply);
    server = app.server;
    const client = createClient({ port: app.port }, { multiplex: false });
    const failure = await client.fetch('/').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(type);
    expect((failure as Error).message).toMatch(message);
    await client.close({ force: true });
  });

  it('fails the body with FastCGIResponseAbortedError when the application breaks off its response', async () => {
    const app = await rawApplication((s) => {
      s.write(encodeStream(RecordType.STDOUT, 1, text.encode('Status: 200\r\n\r\nchunk1\n')));
      // What a fastcgi-fetch app sends when its body fails mid-way (EngineRequest.fail).
      setTimeout(() => s.end(encodeRecord(RecordType.ABORT_REQUEST, 1)), 20);
    });
    server = app.server;
    const client = createClient({ port: app.port }, { multiplex: false });
    const response = await client.fetch('/');
    expect(response.status).toBe(200);
    const failure = await response.text().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(FastCGIResponseAbortedError);
    await client.close({ force: true });
  });

  it('accepts a head split over many records and bare-LF line ends', async () => {
    const app = await rawApplication((s) => {
      const head = 'Status: 201 Made\nX-A: 1\n\nrest';
      for (const ch of head) s.write(encodeRecord(RecordType.STDOUT, 1, text.encode(ch)));
      s.write(encodeRecord(RecordType.STDOUT, 1));
      s.write(encodeEndRequest(1, 0, 0));
    });
    server = app.server;
    const client = createClient({ port: app.port }, { multiplex: false });
    const response = await client.fetch('/');
    expect([response.status, response.statusText, response.headers.get('x-a')]).toEqual([201, 'Made', '1']);
    expect(await response.text()).toBe('rest');
    await client.close({ force: true });
  });
});
