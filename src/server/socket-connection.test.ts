import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnswerReader, cgiParams, parseCgiResponse, requestRecords } from '../../test/support/fastcgi-peer.js';
import type { Answer } from '../../test/support/fastcgi-peer/responses.js';
import { serve, type FastCGIServer } from './serve.js';
import { patternBytes } from '../../test/support/bytes.js';

let dir: string;
let server: FastCGIServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fcgi-socket-connection-'));
});
afterEach(async () => {
  await server?.close({ timeout: 100 });
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A keep-conn connection that sends requests in odd-sized, spaced writes and collects the answers. */
async function uploader(path: string): Promise<{ socket: Socket; answers: Map<number, Answer> }> {
  const socket = connect({ path });
  await once(socket, 'connect');
  const answers = new Map<number, Answer>();
  const reader = new AnswerReader({ onEnd: (id, answer) => answers.set(id, answer) });
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
  return { socket, answers };
}

async function send(socket: Socket, records: Uint8Array): Promise<void> {
  for (let at = 0; at < records.length; at += 6007) {
    if (!socket.write(records.subarray(at, at + 6007))) await once(socket, 'drain');
    // Spaced so that the app reads many times, each read overwriting the shared buffer.
    if (at % (6007 * 4) === 0) await sleep(1);
  }
}

describe('a node:net connection', () => {
  it('gets uploads byte-exact across reads, and the params the handler reads after the body intact', async () => {
    server = await serve(
      async (request, context) => {
        // Late, so the first body records wait in the engine's queue before the body is opened.
        await sleep(20);
        // The body before the params: its reads reuse the buffer the params arrived in.
        const body = new Uint8Array(await request.arrayBuffer());
        return new Response(`${sha256(body)} ${body.length} ${context.params.HTTP_X_NAME} ${context.params.REQUEST_URI}`);
      },
      { path: join(dir, 'app.sock'), log: () => {} },
    ).ready();
    const path = join(dir, 'app.sock');
    const one = await uploader(path);
    const two = await uploader(path);
    const bodies = [patternBytes(700_000, 1), patternBytes(500_003, 2), patternBytes(90_001, 3)];
    const request = (id: number, name: string, body: Uint8Array) =>
      requestRecords(id, cgiParams('POST', `/upload/${name}`, [['HTTP_X_NAME', `${name}-${'n'.repeat(200)}`]]), body, { keepConn: true });
    // Two connections at once, the second request on each after the first (keep-conn).
    await Promise.all([
      send(one.socket, request(1, 'first', bodies[0]!)).then(() => send(one.socket, request(2, 'third', bodies[2]!))),
      send(two.socket, request(1, 'second', bodies[1]!)),
    ]);
    for (let i = 0; i < 500 && (one.answers.size < 2 || two.answers.size < 1); i++) await sleep(10);
    const text = (answer: Answer | undefined) => parseCgiResponse(answer!.stdout).body.toString();
    const n = 'n'.repeat(200);
    expect(text(one.answers.get(1))).toBe(`${sha256(bodies[0]!)} 700000 first-${n} /upload/first`);
    expect(text(two.answers.get(1))).toBe(`${sha256(bodies[1]!)} 500003 second-${n} /upload/second`);
    expect(text(one.answers.get(2))).toBe(`${sha256(bodies[2]!)} 90001 third-${n} /upload/third`);
    one.socket.destroy();
    two.socket.destroy();
  });
});
