import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProtocolStatus, RecordType, encodeBeginRequest, encodeParams, encodeRecord, encodeStream, latin1 } from '../protocol/index.js';
import { BodyTimeoutError } from './input-stream.js';
import { RequestGate } from './request-gate.js';
import { abortRecord, collectRequests, createWire, decodeOutput, getValuesRecord, requestRecords } from '../../test/support/fastcgi-peer.js';

const enc = new TextEncoder();
const PARAMS: Array<[string, string]> = [['REQUEST_METHOD', 'POST']];

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe('Connection', () => {
  it('runs requests whose records arrive interleaved, each with its own params and body', async () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    wire.send(encodeBeginRequest(1, 1, true), encodeBeginRequest(2, 1, true));
    wire.send(encodeParams(2, [['NAME', 'two']]), encodeParams(1, [['NAME', 'one']]));
    wire.send(encodeStream(RecordType.STDIN, 1, enc.encode('body-1')));
    wire.send(encodeStream(RecordType.STDIN, 2, enc.encode('body-2'), true));
    wire.send(encodeStream(RecordType.STDIN, 1, new Uint8Array(0), true));
    expect(requests.map((r) => r.id)).toEqual([2, 1]);
    const [two, one] = requests;
    expect(latin1(one!.param('NAME')!)).toBe('one');
    expect(latin1(two!.param('NAME')!)).toBe('two');
    expect(await readAll(one!.stdin.open())).toBe('body-1');
    expect(await readAll(two!.stdin.open())).toBe('body-2');
    one!.end([enc.encode('out-1')]);
    two!.end([enc.encode('out-2')]);
    const out = wire.output();
    expect(latin1(out.get(1)!.stdout)).toBe('out-1');
    expect(latin1(out.get(2)!.stdout)).toBe('out-2');
    expect(out.get(1)!.end).toEqual({ appStatus: 0, protocolStatus: 0 });
    expect(wire.ended).toBe(false);
  });

  it('closes the connection after END_REQUEST when FCGI_KEEP_CONN is clear', () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    wire.send(requestRecords(1, PARAMS, '', { keepConn: false }));
    requests[0]!.end();
    expect(wire.ended).toBe(true);
  });

  it('keeps the connection open after END_REQUEST when FCGI_KEEP_CONN is set', () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    wire.send(requestRecords(1, PARAMS, '', { keepConn: true }));
    requests[0]!.end();
    wire.send(requestRecords(1, PARAMS, '', { keepConn: true }));
    expect(requests).toHaveLength(2);
    expect(wire.ended).toBe(false);
  });

  it('sends nothing for a request after its END_REQUEST', () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    wire.send(requestRecords(1, PARAMS, '', { keepConn: true }));
    const request = requests[0]!;
    request.end([enc.encode('done')]);
    const writes = wire.writes.length;
    expect(request.write([enc.encode('late')])).toBe(false);
    request.log('late');
    request.end();
    expect(wire.writes.length).toBe(writes);
  });

  it('answers GET_VALUES with only the names asked that it knows', () => {
    const wire = createWire({ limits: { maxConnections: 7 }, requestGate: new RequestGate(33) });
    wire.send(getValuesRecord(['FCGI_MPXS_CONNS', 'FCGI_MAX_REQS', 'OTHER']));
    wire.send(getValuesRecord(['FCGI_MAX_CONNS']));
    expect(wire.management().map((m) => m.pairs)).toEqual([
      [
        ['FCGI_MPXS_CONNS', '1'],
        ['FCGI_MAX_REQS', '33'],
      ],
      [['FCGI_MAX_CONNS', '7']],
    ]);
  });

  it('answers an unknown management record type with UNKNOWN_TYPE', () => {
    const wire = createWire();
    wire.send(encodeRecord(42, 0, new Uint8Array(3)));
    const [answer] = wire.management();
    expect(answer!.type).toBe(RecordType.UNKNOWN_TYPE);
    expect(answer!.content[0]).toBe(42);
  });

  it('rejects an unknown role with END_REQUEST UNKNOWN_ROLE and no STDOUT', () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    wire.send(requestRecords(5, PARAMS, '', { role: 9, keepConn: true }));
    expect(requests).toHaveLength(0);
    const out = wire.output().get(5)!;
    expect(out.end).toEqual({ appStatus: 0, protocolStatus: ProtocolStatus.UNKNOWN_ROLE });
    expect(out.stdout.length).toBe(0);
  });

  it('rejects requests over the concurrent limit with OVERLOADED, shared across connections', () => {
    const requestGate = new RequestGate(2);
    const first = collectRequests();
    const a = createWire({ onRequest: first.onRequest, requestGate });
    const b = createWire({ onRequest: first.onRequest, requestGate });
    a.send(requestRecords(1, PARAMS, '', { keepConn: true }), requestRecords(2, PARAMS, '', { keepConn: true }));
    b.send(requestRecords(1, PARAMS, '', { keepConn: true }));
    expect(first.requests).toHaveLength(2);
    expect(b.output().get(1)!.end!.protocolStatus).toBe(ProtocolStatus.OVERLOADED);
    first.requests[0]!.end();
    b.send(requestRecords(2, PARAMS, '', { keepConn: true }));
    expect(first.requests).toHaveLength(3);
    expect(requestGate.active).toBe(2);
    expect(requestGate.refused).toBe(1);
  });

  it('aborts the signal and the body on ABORT_REQUEST and answers with exactly one END_REQUEST', async () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    wire.send(encodeBeginRequest(3, 1, true), encodeParams(3, PARAMS));
    const request = requests[0]!;
    const body = request.stdin.open();
    const signal = request.signal;
    wire.send(abortRecord(3));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('AbortError');
    await expect(readAll(body)).rejects.toThrow(/aborted/);
    request.end([enc.encode('too late')]);
    const out = wire.output().get(3)!;
    expect(out.end).toBeDefined();
    expect(out.stdout.length).toBe(0);
  });

  it('aborts every request when the connection is lost, writing nothing more', () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    wire.send(requestRecords(1, PARAMS, undefined, { keepConn: true }), requestRecords(2, PARAMS, undefined, { keepConn: true }));
    const signals = requests.map((r) => r.signal);
    wire.connection.closed();
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
    expect(wire.writes).toHaveLength(0);
    expect(wire.connection.activeRequests).toBe(0);
  });

  it('aborts requests multiplexed beside one without FCGI_KEEP_CONN when that one ends and closes the connection', () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    wire.send(requestRecords(1, PARAMS, '', { keepConn: true }), requestRecords(2, PARAMS, '', { keepConn: false }));
    const first = requests[0]!.signal;
    requests[1]!.end();
    expect(wire.ended).toBe(true);
    expect(first.aborted).toBe(true);
    expect(wire.connection.activeRequests).toBe(0);
  });

  describe('fail(): a response that broke after its head went out', () => {
    it.each([
      ['without FCGI_KEEP_CONN', false],
      ['with FCGI_KEEP_CONN', true],
    ])('ends a lone request %s with an ABORT_REQUEST record and a closed connection, never END_REQUEST', (_name, keepConn) => {
      const requestGate = new RequestGate(10);
      const { requests, onRequest } = collectRequests();
      const wire = createWire({ onRequest, requestGate });
      wire.send(requestRecords(1, PARAMS, '', { keepConn }));
      const request = requests[0]!;
      request.write([enc.encode('Status: 200\r\n\r\nchunk1\n')]);
      request.fail();
      const out = wire.output().get(1)!;
      expect(latin1(out.stdout)).toBe('Status: 200\r\n\r\nchunk1\n');
      expect(out.stdoutClosed).toBe(false);
      expect(out.end).toBeUndefined();
      expect(out.failed).toBe('abort-record');
      // Flushed, then closed: the record must reach the web server before the close.
      expect([wire.ended, wire.destroyed]).toEqual([true, false]);
      expect([wire.connection.activeRequests, requestGate.active]).toEqual([0, 0]);
    });

    it('fails only that request on a multiplexed connection: an empty END_REQUEST frees its id, the others and the connection go on', () => {
      const requestGate = new RequestGate(10);
      const { requests, onRequest } = collectRequests();
      const wire = createWire({ onRequest, requestGate });
      wire.send(requestRecords(1, PARAMS, '', { keepConn: true }), requestRecords(2, PARAMS, '', { keepConn: true }));
      const [broken, healthy] = requests;
      broken!.write([enc.encode('partial')]);
      healthy!.write([enc.encode('one ')]);
      broken!.fail();
      healthy!.end([enc.encode('two')]);
      const out = wire.output();
      expect(out.get(1)).toMatchObject({ failed: 'abort-record+empty-end', stdoutClosed: false });
      expect(out.get(1)!.end).toBeUndefined();
      expect(latin1(out.get(2)!.stdout)).toBe('one two');
      expect(out.get(2)!.end).toEqual({ appStatus: 0, protocolStatus: 0 });
      expect([wire.ended, wire.destroyed]).toEqual([false, false]);
      expect(requestGate.active).toBe(0);
      // The id is free again: the web server may start a new request with it.
      const mark = wire.writes.length;
      wire.send(requestRecords(1, PARAMS, '', { keepConn: true }));
      requests[2]!.end([enc.encode('again')]);
      const again = decodeOutput(wire.writes.slice(mark).flat()).get(1)!;
      expect([latin1(again.stdout), again.end]).toEqual(['again', { appStatus: 0, protocolStatus: 0 }]);
    });

    it('keeps failing per request on a connection that once carried two requests at once, even when the failing one is alone now', () => {
      const { requests, onRequest } = collectRequests();
      const wire = createWire({ onRequest });
      wire.send(requestRecords(1, PARAMS, '', { keepConn: true }), requestRecords(2, PARAMS, '', { keepConn: true }));
      requests[0]!.end();
      requests[1]!.end();
      wire.send(requestRecords(3, PARAMS, '', { keepConn: true }));
      requests[2]!.fail();
      expect(wire.output().get(3)!.failed).toBe('abort-record+empty-end');
      expect(wire.ended).toBe(false);
    });

    it('writes the log line given to fail() in the same transport write as the failure records', () => {
      const { requests, onRequest } = collectRequests();
      const wire = createWire({ onRequest });
      wire.send(requestRecords(1, PARAMS, '', { keepConn: true }));
      requests[0]!.write([enc.encode('partial')]);
      const before = wire.writes.length;
      requests[0]!.fail('fastcgi-fetch: request failed: disk gone');
      // One write: HAProxy 2.6.12 crashes on a STDERR record that arrives on its own mid-response.
      expect(wire.writes.length).toBe(before + 1);
      const last = decodeOutput(wire.writes.at(-1)!).get(1)!;
      expect([last.stderr, last.failed]).toEqual(['fastcgi-fetch: request failed: disk gone\n', 'abort-record']);
    });

    it('drops output written after fail(), and does nothing for a request that already ended', () => {
      const { requests, onRequest } = collectRequests();
      const wire = createWire({ onRequest });
      wire.send(requestRecords(1, PARAMS, '', { keepConn: true }), requestRecords(2, PARAMS, '', { keepConn: true }));
      const [failed, ended] = requests;
      failed!.fail();
      expect(failed!.done).toBe(true);
      expect(failed!.write([enc.encode('late')])).toBe(false);
      failed!.log('late');
      failed!.end([enc.encode('late')]);
      failed!.fail();
      ended!.end();
      ended!.fail();
      const out = wire.output();
      expect(out.get(1)).toMatchObject({ failed: 'abort-record+empty-end', stderr: '', stdout: new Uint8Array(0) });
      expect(out.get(2)!.failed).toBeUndefined();
      expect(out.get(2)!.end).toEqual({ appStatus: 0, protocolStatus: 0 });
    });
  });

  it('fails a body that went over maxBodySize before anyone opened it', async () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest, limits: { maxBodySize: 10 } });
    wire.send(encodeBeginRequest(1, 1, true), encodeStream(RecordType.STDIN, 1, new Uint8Array(20)), encodeParams(1, PARAMS));
    await expect(readAll(requests[0]!.stdin.open())).rejects.toMatchObject({ name: 'BodyTooLargeError' });
  });

  it('never aborts the signal of a request that ended normally', () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    wire.send(requestRecords(1, PARAMS, '', { keepConn: false }));
    const signal = requests[0]!.signal;
    requests[0]!.end();
    wire.connection.closed();
    expect(signal.aborted).toBe(false);
  });

  describe('closes the connection, and only it, on a protocol violation', () => {
    const cases: Array<[string, (wire: ReturnType<typeof createWire>) => void, RegExp]> = [
      ['a bad version', (w) => w.send(new Uint8Array([2, 1, 0, 1, 0, 0, 0, 0])), /version 2/],
      ['BEGIN_REQUEST for an active id', (w) => w.send(encodeBeginRequest(1, 1, true), encodeBeginRequest(1, 1, true)), /still active/],
      ['PARAMS over the size limit', (w) => w.send(encodeBeginRequest(1, 1, true), encodeParams(1, [['BIG', 'x'.repeat(2000)]])), /exceeds the limit/],
      [
        'a record truncated at close',
        (w) => {
          w.send(encodeBeginRequest(1, 1, true).subarray(0, 11));
          w.connection.closed();
        },
        /middle of a record/,
      ],
    ];
    for (const [name, act, message] of cases) {
      it(`like ${name}`, () => {
        const other = createWire();
        const wire = createWire({ limits: { maxParamsBytes: 1000 } });
        act(wire);
        expect(wire.errors.map((e) => e.message)).toEqual([expect.stringMatching(message)]);
        expect(wire.destroyed || wire.connection.isClosed).toBe(true);
        expect(other.connection.isClosed).toBe(false);
      });
    }
  });

  it('gives the body as a byte stream that BYOB readers can read', async () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    wire.send(encodeBeginRequest(1, 1, true), encodeParams(1, PARAMS));
    const reader = requests[0]!.stdin.open().getReader({ mode: 'byob' });
    // One socket chunk (a Buffer, as node:net gives) holding STDIN and the next request's records:
    // handing the body its bytes must not take the chunk away from the decoder.
    wire.send(Buffer.concat([encodeStream(RecordType.STDIN, 1, enc.encode('abcdef'), true), requestRecords(3, PARAMS)]));
    expect(requests.map((r) => r.id)).toEqual([1, 3]);
    const { value } = await reader.read(new Uint8Array(4));
    expect(new TextDecoder().decode(value)).toBe('abcd');
    const rest = await reader.read(new Uint8Array(4));
    expect(new TextDecoder().decode(rest.value)).toBe('ef');
  });

  it('keeps nothing of a lent chunk: params and a body queued unread survive the transport reusing its buffer', async () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    const name = 'a value long enough to straddle several reads';
    const records = requestRecords(1, [...PARAMS, ['NAME', name]], 'a body nobody has read yet', { keepConn: true });
    // One small read buffer, as node:net's onread reuses: every read overwrites the last one.
    const lent = new Uint8Array(7);
    for (let at = 0; at < records.length; at += lent.length) {
      const piece = records.subarray(at, at + lent.length);
      lent.set(piece);
      wire.connection.receive(lent.subarray(0, piece.length), true);
      lent.fill(0x2a);
    }
    expect(latin1(requests[0]!.param('NAME')!)).toBe(name);
    expect(await readAll(requests[0]!.stdin.open())).toBe('a body nobody has read yet');
  });

  it('stops reading the socket while a body is unread past its high-water mark, and resumes on read', async () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest, limits: { bodyHighWaterMark: 1024 } });
    wire.send(encodeBeginRequest(1, 1, true), encodeParams(1, PARAMS));
    const body = requests[0]!.stdin.open();
    wire.send(encodeStream(RecordType.STDIN, 1, new Uint8Array(4096)));
    expect(wire.paused).toBe(true);
    const reader = body.getReader();
    await reader.read();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(wire.paused).toBe(false);
  });

  it('keeps reading while output is blocked too, so a peer that writes all its input first cannot deadlock', () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest, limits: { bodyHighWaterMark: 1024 } });
    wire.send(encodeBeginRequest(1, 1, true), encodeParams(1, PARAMS));
    wire.send(encodeStream(RecordType.STDIN, 1, new Uint8Array(4096)));
    expect(wire.paused).toBe(true);
    wire.writable = false;
    requests[0]!.write([new Uint8Array(10)]);
    expect(wire.paused).toBe(false);
  });

  it('resumes reading and discards the rest of the body once the request has ended', () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest, limits: { bodyHighWaterMark: 1024 } });
    wire.send(encodeBeginRequest(1, 1, true), encodeParams(1, PARAMS));
    wire.send(encodeStream(RecordType.STDIN, 1, new Uint8Array(4096)));
    expect(wire.paused).toBe(true);
    requests[0]!.end();
    expect(wire.paused).toBe(false);
    wire.send(encodeStream(RecordType.STDIN, 1, new Uint8Array(4096), true));
    expect(wire.errors).toEqual([]);
  });

  it('fails a body still being read once its request has ended, rather than leaving the reader waiting', async () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    wire.send(encodeBeginRequest(1, 1, true), encodeParams(1, PARAMS), encodeStream(RecordType.STDIN, 1, enc.encode('part')));
    const body = requests[0]!.stdin.open();
    requests[0]!.end();
    await expect(readAll(body)).rejects.toThrow(/already ended/);
  });

  it('fails the body with a 413 error beyond maxBodySize without buffering the rest', async () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest, limits: { maxBodySize: 100 } });
    wire.send(encodeBeginRequest(1, 1, true), encodeParams(1, PARAMS));
    const body = requests[0]!.stdin.open();
    wire.send(encodeStream(RecordType.STDIN, 1, new Uint8Array(150)));
    await expect(readAll(body)).rejects.toMatchObject({ name: 'BodyTooLargeError', status: 413 });
    expect(wire.paused).toBe(false);
  });

  it('lets writers wait for the transport to drain', async () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    wire.send(requestRecords(1, PARAMS, '', { keepConn: true }));
    wire.writable = false;
    const request = requests[0]!;
    expect(request.write([new Uint8Array(1)])).toBe(false);
    let woke = false;
    const waiting = request.writable().then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    wire.writable = true;
    wire.connection.drained();
    await waiting;
    expect(woke).toBe(true);
  });

  it('drains: an idle kept-alive connection closes, requests in flight finish first, newcomers are refused', () => {
    const { requests, onRequest } = collectRequests();
    const idle = createWire({ onRequest });
    idle.send(requestRecords(1, PARAMS, '', { keepConn: true }));
    requests[0]!.end();
    idle.connection.drain();
    expect(idle.ended).toBe(true);

    const busy = createWire({ onRequest });
    busy.send(requestRecords(1, PARAMS, '', { keepConn: true }));
    busy.connection.drain();
    expect(busy.ended).toBe(false);
    busy.send(requestRecords(2, PARAMS, '', { keepConn: true }));
    expect(busy.output().get(2)!.end!.protocolStatus).toBe(ProtocolStatus.OVERLOADED);
    requests[1]!.end();
    expect(busy.ended).toBe(true);
  });

  it('drains a fresh connection only after the request it was opened for', () => {
    const { requests, onRequest } = collectRequests();
    const fresh = createWire({ onRequest });
    fresh.connection.drain();
    expect(fresh.ended).toBe(false);
    fresh.send(requestRecords(1, PARAMS, '', { keepConn: true }));
    expect(requests).toHaveLength(1);
    requests[0]!.end();
    expect(fresh.ended).toBe(true);
  });

  it('decodes a stream fed one byte at a time exactly as one fed whole', () => {
    const whole = collectRequests();
    const byByte = collectRequests();
    const bytes = requestRecords(
      9,
      [
        ['A', 'x'.repeat(300)],
        ['B', ''],
      ],
      'hello',
    );
    createWire({ onRequest: whole.onRequest }).send(bytes);
    const wire = createWire({ onRequest: byByte.onRequest });
    for (const b of bytes) wire.send(new Uint8Array([b]));
    expect([...byByte.requests[0]!.params].map(([n, v]) => [n, latin1(v)])).toEqual([...whole.requests[0]!.params].map(([n, v]) => [n, latin1(v)]));
  });

  it("keeps each request's lent params intact while later requests' params share its copy slab", () => {
    const { requests, onRequest } = collectRequests();
    const wire = createWire({ onRequest });
    const lent = new Uint8Array(7);
    const feed = (bytes: Uint8Array) => {
      for (let at = 0; at < bytes.length; at += lent.length) {
        const piece = bytes.subarray(at, at + lent.length);
        lent.set(piece);
        wire.connection.receive(lent.subarray(0, piece.length), true);
        lent.fill(0x2a);
      }
    };
    // Small runs share one slab: the second request's copy must land beside the first's, not over it.
    for (const id of [3, 4])
      feed(
        requestRecords(
          id,
          [
            ['A', String(id).repeat(300)],
            ['B', 'b'.repeat(20)],
          ],
          '',
          { keepConn: true },
        ),
      );
    expect(requests.map((request) => latin1(request.param('A')!))).toEqual(['3'.repeat(300), '4'.repeat(300)]);
    expect(requests.map((request) => latin1(request.param('B')!))).toEqual(['b'.repeat(20), 'b'.repeat(20)]);
  });

  describe('timeouts', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('closes a connection left idle, but not one with a request in flight', () => {
      vi.useFakeTimers();
      const { requests, onRequest } = collectRequests();
      const idle = createWire({ limits: { idleTimeout: 1000 } });
      const busy = createWire({ onRequest, limits: { idleTimeout: 1000 } });
      busy.send(requestRecords(1, PARAMS, '', { keepConn: true }));
      vi.advanceTimersByTime(1500);
      expect(idle.ended).toBe(true);
      expect(busy.ended).toBe(false);
      requests[0]!.end();
      vi.advanceTimersByTime(1500);
      expect(busy.ended).toBe(true);
    });

    it('fails a body that stops arriving, but not the connection or its other requests', async () => {
      vi.useFakeTimers();
      const { requests, onRequest } = collectRequests();
      const wire = createWire({ onRequest, limits: { bodyTimeout: 1000 } });
      wire.send(encodeBeginRequest(1, 1, true), encodeParams(1, PARAMS), encodeStream(RecordType.STDIN, 1, new Uint8Array([1, 2])));
      const reader = requests[0]!.stdin.open().getReader();
      expect([...(await reader.read()).value!]).toEqual([1, 2]);
      const next = reader.read().catch((error: unknown) => error);
      wire.send(requestRecords(2, PARAMS, 'xy', { keepConn: true }));
      vi.advanceTimersByTime(2000);
      expect(await next).toBeInstanceOf(BodyTimeoutError);
      expect(requests[1]!.stdin.ended).toBe(true);
      expect(wire.destroyed).toBe(false);
      expect(wire.ended).toBe(false);
    });

    it('does not time out a body the connection stopped reading', async () => {
      vi.useFakeTimers();
      const { requests, onRequest } = collectRequests();
      // A timeout no other test uses: the shared watchdog interval of another tick length was
      // made under another test's fake timers.
      const wire = createWire({ onRequest, limits: { bodyTimeout: 1300, bodyHighWaterMark: 4 } });
      wire.send(encodeBeginRequest(1, 1, true), encodeParams(1, PARAMS), encodeStream(RecordType.STDIN, 1, new Uint8Array(8)));
      expect(wire.paused).toBe(true);
      vi.advanceTimersByTime(5000);
      const reader = requests[0]!.stdin.open().getReader();
      expect((await reader.read()).value?.length).toBe(8);
      expect(wire.paused).toBe(false);
    });

    it('aborts a request still running after requestTimeout with a TimeoutError and END_REQUEST, and only that one', () => {
      vi.useFakeTimers();
      const { requests, onRequest } = collectRequests();
      // A timeout no other test uses (see above).
      const wire = createWire({ onRequest, limits: { requestTimeout: 1700 } });
      wire.send(requestRecords(1, PARAMS, '', { keepConn: true }));
      const old = requests[0]!;
      const signal = old.signal;
      vi.advanceTimersByTime(1000);
      wire.send(requestRecords(2, PARAMS, '', { keepConn: true }));
      vi.advanceTimersByTime(1000);
      expect(signal.aborted).toBe(true);
      expect((signal.reason as DOMException).name).toBe('TimeoutError');
      expect(wire.output().get(1)!.end).toEqual({ appStatus: 1, protocolStatus: 0 });
      expect(requests[1]!.aborted).toBe(false);
      expect(wire.ended || wire.destroyed).toBe(false);
      requests[1]!.end([enc.encode('in time')]);
      expect(latin1(wire.output().get(2)!.stdout)).toBe('in time');
    });

    it('closes a connection whose PARAMS never finish', () => {
      vi.useFakeTimers();
      const wire = createWire({ limits: { paramsTimeout: 500 } });
      wire.send(encodeBeginRequest(1, 1, true), encodeStream(RecordType.PARAMS, 1, new Uint8Array([4, 1])));
      vi.advanceTimersByTime(600);
      expect(wire.destroyed).toBe(true);
      expect(wire.errors[0]?.message).toMatch(/PARAMS of request 1 incomplete/);
    });
  });
});
