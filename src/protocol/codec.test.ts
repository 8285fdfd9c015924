import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  concatBytes as concat,
  FastCGIProtocolError,
  PairDecoder,
  ParamList,
  RecordReader,
  RecordType,
  decodeBeginRequest,
  decodeEndRequest,
  decodePairs,
  encodeBeginRequest,
  encodeEndRequest,
  encodePairs,
  encodeRecord,
  encodeStream,
  isStreamType,
  latin1,
  type DecodedPair,
} from './index.js';

interface DecodedRecord {
  type: number;
  requestId: number;
  content: number[];
}

/** Decodes chunks into whole records, gluing stream pieces back together per record. */
function decodeAll(chunks: Uint8Array[]): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  let open: DecodedRecord | undefined;
  const reader = new RecordReader({
    record(type, requestId, content) {
      out.push({ type, requestId, content: [...content] });
    },
    streamData(type, requestId, data) {
      if (!open || open.type !== type || open.requestId !== requestId) {
        open = { type, requestId, content: [] };
        out.push(open);
      }
      open.content.push(...data);
    },
    streamEnd(type, requestId) {
      open = undefined;
      out.push({ type, requestId, content: [] });
    },
  });
  for (const chunk of chunks) reader.push(chunk);
  return out;
}

/** Splits bytes at the given cut points. */
function rechunk(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}

const arbitraryRecord = fc.record({
  type: fc.integer({ min: 1, max: 11 }),
  requestId: fc.integer({ min: 0, max: 0xffff }),
  content: fc.uint8Array({ maxLength: 300 }),
  padding: fc.integer({ min: 0, max: 255 }),
});

function withPadding(record: { type: number; requestId: number; content: Uint8Array; padding: number }): Uint8Array {
  const plain = encodeRecord(record.type, record.requestId, record.content);
  const padded = new Uint8Array(plain.length + record.padding);
  padded.set(plain);
  padded[6] = record.padding;
  padded.fill(0xaa, plain.length);
  return padded;
}

/** Stream records carrying content are sent non-empty; an empty one means end of stream. */
function expected(records: Array<{ type: number; requestId: number; content: Uint8Array }>): DecodedRecord[] {
  return records.map((r) => ({ type: r.type, requestId: r.requestId, content: [...r.content] }));
}

describe('record codec', () => {
  it('decodes what it encodes, with any padding skipped', () => {
    fc.assert(
      fc.property(fc.array(arbitraryRecord, { maxLength: 20 }), (records) => {
        // Adjacent stream records of one id would glue together in decodeAll; separate them.
        const distinct = records.filter((r, i) => !(isStreamType(r.type) && i > 0 && records[i - 1]!.type === r.type));
        expect(decodeAll([concat(distinct.map(withPadding))])).toEqual(expected(distinct));
      }),
    );
  });

  it('gives the same records however the byte stream is chunked', () => {
    fc.assert(
      fc.property(fc.array(arbitraryRecord, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (records, cuts) => {
        const bytes = concat(records.map(withPadding));
        expect(decodeAll(rechunk(bytes, cuts))).toEqual(decodeAll([bytes]));
      }),
    );
  });

  it('decodes a stream fed one byte at a time', () => {
    const bytes = concat([encodeBeginRequest(7, 1, true), encodeStream(RecordType.STDIN, 7, new Uint8Array([1, 2, 3]), true), encodeEndRequest(7, 42, 0)]);
    const oneByOne = [...bytes].map((b) => new Uint8Array([b]));
    expect(decodeAll(oneByOne)).toEqual(decodeAll([bytes]));
    expect(decodeAll(oneByOne).map((r) => r.type)).toEqual([1, 5, 5, 3]);
  });

  it('hands stream content on as views of the input, not copies', () => {
    const bytes = encodeStream(RecordType.STDIN, 1, new Uint8Array(1000).fill(9));
    const views: Uint8Array[] = [];
    new RecordReader({ record() {}, streamData: (_t, _i, d) => views.push(d), streamEnd() {} }).push(bytes);
    expect(views).toHaveLength(1);
    expect(views[0]!.buffer).toBe(bytes.buffer);
  });

  it('splits content longer than 65535 bytes over several records', () => {
    const body = new Uint8Array(65535 * 2 + 10).map((_, i) => i % 251);
    const encoded = encodeStream(RecordType.STDOUT, 3, body, true);
    const lengths: number[] = [];
    for (let at = 0; at < encoded.length; at += 8 + lengths.at(-1)!) lengths.push((encoded[at + 4]! << 8) | encoded[at + 5]!);
    expect(lengths).toEqual([65535, 65535, 10, 0]);
    expect(decodeAll(rechunk(encoded, [65535 + 8])).flatMap((r) => r.content)).toEqual([...body]);
    expect(() => encodeRecord(RecordType.STDOUT, 1, new Uint8Array(65536))).toThrow(RangeError);
  });

  it('throws only its own typed error on random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), (chunks) => {
        try {
          const reader = new RecordReader({ record() {}, streamData() {}, streamEnd() {} });
          for (const chunk of chunks) reader.push(chunk);
          const decoder = new PairDecoder(1 << 20);
          for (const chunk of chunks) decoder.push(chunk);
          decoder.end();
        } catch (error) {
          expect(error).toBeInstanceOf(FastCGIProtocolError);
        }
      }),
    );
  });

  it('rejects a record whose version is not 1', () => {
    const bad = encodeBeginRequest(1, 1, false);
    bad[0] = 2;
    expect(() => decodeAll([bad])).toThrow(/unsupported FastCGI protocol version 2/);
  });

  it('round-trips BEGIN_REQUEST and END_REQUEST bodies', () => {
    const begin = decodeAll([encodeBeginRequest(513, 3, true)])[0]!;
    expect(begin.requestId).toBe(513);
    expect(decodeBeginRequest(new Uint8Array(begin.content))).toEqual({ role: 3, keepConn: true });
    const end = decodeAll([encodeEndRequest(1, 0xfffffffe, 2)])[0]!;
    expect(decodeEndRequest(new Uint8Array(end.content))).toEqual({ appStatus: 0xfffffffe, protocolStatus: 2 });
  });
});

describe('name-value pairs', () => {
  const arbitraryPairs = fc.array(
    fc.tuple(
      fc.string({ minLength: 1, maxLength: 140, unit: fc.integer({ min: 0x20, max: 0x7e }).map(String.fromCharCode) }),
      fc.uint8Array({ maxLength: 400 }),
    ),
    { maxLength: 20 },
  );
  const plain = (pairs: readonly DecodedPair[]) => pairs.map(([n, v]) => [n, [...v]]);

  it('decodes what it encodes, 1- and 4-byte lengths alike', () => {
    fc.assert(
      fc.property(arbitraryPairs, (pairs) => {
        expect(plain(decodePairs(encodePairs(pairs)))).toEqual(plain(pairs));
      }),
    );
  });

  it('decodes pairs that straddle any chunk boundary', () => {
    fc.assert(
      fc.property(arbitraryPairs, fc.array(fc.nat(), { maxLength: 30 }), (pairs, cuts) => {
        const decoder = new PairDecoder();
        const out = rechunk(encodePairs(pairs), cuts).flatMap((c) => [...decoder.push(c)]);
        decoder.end();
        expect(plain(out)).toEqual(plain(pairs));
      }),
    );
  });

  it('finds the first value of any name in a list fed in any chunks, without decoding the others', () => {
    const names = fc.constantFrom('HTTP_HOST', 'HTTPS', 'A', 'REQUEST_URI', 'X'.repeat(130), '');
    const pairs = fc.array(fc.tuple(names, fc.uint8Array({ maxLength: 200 })), { maxLength: 12 });
    fc.assert(
      fc.property(pairs, fc.array(fc.nat(), { maxLength: 20 }), (list, cuts) => {
        const decoder = new PairDecoder();
        const params = new ParamList();
        for (const chunk of rechunk(encodePairs(list), cuts)) decoder.push(chunk, params);
        decoder.end();
        expect(params.length).toBe(list.length);
        expect(plain([...params])).toEqual(plain(list));
        for (const name of ['HTTP_HOST', 'HTTPS', 'A', 'REQUEST_URI', 'X'.repeat(130), '', 'MISSING']) {
          const first = list.find(([n]) => n === name)?.[1];
          expect(params.get(name) && [...params.get(name)!]).toEqual(first && [...first]);
          expect(params.text(name)).toBe(first && latin1(first));
          if (first !== undefined) expect(params.equals(name, latin1(first))).toBe(true);
          expect(params.equals(name, '\u0000never')).toBe(false);
        }
      }),
    );
  });

  it('walks the pairs in order with forEachPair, leaving out names whose first byte the filter turns down', () => {
    const names = fc.constantFrom('HTTP_HOST', 'HTTPS', 'A', 'CONTENT_TYPE', 'X'.repeat(130), '');
    const pairs = fc.array(fc.tuple(names, fc.uint8Array({ maxLength: 200 })), { maxLength: 12 });
    fc.assert(
      fc.property(pairs, fc.array(fc.nat(), { maxLength: 20 }), (list, cuts) => {
        const decoder = new PairDecoder();
        const params = new ParamList();
        for (const chunk of rechunk(encodePairs(list), cuts)) decoder.push(chunk, params);
        decoder.end();
        const seen: Array<[string, Uint8Array]> = [];
        params.forEachPair(
          (name, bytes, start, end) => seen.push([name, bytes.slice(start, end)]),
          (first) => first === 0x48,
        );
        expect(plain(seen)).toEqual(plain(list.filter(([name]) => name.startsWith('H'))));
        const all: Array<[string, Uint8Array]> = [];
        params.forEachPair((name, bytes, start, end) => all.push([name, bytes.slice(start, end)]));
        expect(plain(all)).toEqual(plain(list));
      }),
    );
  });

  it('accepts the 4-byte length form for small lengths, as h2o sends it', () => {
    const body = new Uint8Array([0x80, 0, 0, 4, 0x80, 0, 0, 2, ...new TextEncoder().encode('NAMEhi')]);
    expect(decodePairs(body).map(([n, v]) => [n, latin1(v)])).toEqual([['NAME', 'hi']]);
  });

  it('keeps empty values and raw non-UTF-8 bytes', () => {
    const pairs = decodePairs(
      encodePairs([
        ['EMPTY', ''],
        ['RAW', new Uint8Array([0xff, 0xfe])],
      ]),
    );
    expect(plain(pairs)).toEqual([
      ['EMPTY', []],
      ['RAW', [0xff, 0xfe]],
    ]);
  });

  it('refuses a stream over its byte limit and one that ends inside a pair', () => {
    const decoder = new PairDecoder(10);
    expect(() => decoder.push(new Uint8Array(11))).toThrow(FastCGIProtocolError);
    const truncated = new PairDecoder();
    truncated.push(encodePairs([['NAME', 'value']]).subarray(0, 5));
    expect(() => truncated.end()).toThrow(/ends inside a pair/);
  });
});
