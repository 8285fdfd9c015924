import { describe, expect, it } from 'vitest';
import { BodyIncompleteError, BodyTooLargeError, InputStream, type FlowControl } from './input-stream.js';

function flowLog() {
  const held = new Set<InputStream>();
  const flow: FlowControl = {
    hold: (stream) => void held.add(stream),
    release: (stream) => void held.delete(stream),
  };
  return { flow, held };
}

function stream({ limit = 1 << 20, highWaterMark = 1 << 16 } = {}) {
  const { flow, held } = flowLog();
  return { input: new InputStream(flow, highWaterMark, limit, Date.now()), held };
}

const bytes = (length: number, fill = 0x61) => new Uint8Array(length).fill(fill);

async function readAll(body: ReadableStream<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  const reader = body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) out.push(...next.value);
  return out;
}

describe('InputStream with an announced length (CONTENT_LENGTH)', () => {
  it('ends once the announced bytes are in and drops what comes after them', async () => {
    const { input } = stream();
    input.setLength(10);
    const body = input.open();
    input.push(bytes(6, 1));
    input.push(bytes(44, 2));
    // Ended before the input did: the reader does not wait for the end of STDIN.
    expect(input.ended).toBe(true);
    expect(await readAll(body)).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
    input.push(bytes(5, 3));
    input.end();
    expect(input.received).toBe(55);
  });

  it('keeps only the announced bytes of what came before the stream was opened', async () => {
    const { input } = stream();
    input.setLength(3);
    input.push(bytes(2, 1));
    input.push(bytes(2, 2));
    input.end();
    expect(await readAll(input.open())).toEqual([1, 1, 2]);
  });

  it('trims input that came before the length was set', async () => {
    const { input } = stream();
    input.push(bytes(4, 1));
    input.push(bytes(4, 2));
    input.setLength(5);
    expect(await readAll(input.open())).toEqual([1, 1, 1, 1, 2]);
  });

  it('fails the reader with BodyIncompleteError when the input ends short', async () => {
    const { input } = stream();
    input.setLength(100);
    const body = input.open();
    input.push(bytes(50));
    input.end();
    const error = await readAll(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyIncompleteError);
    expect(error).toMatchObject({ name: 'BodyIncompleteError', status: 400, expected: 100, received: 50 });
    expect((error as Error).message).toBe('request body ended after 50 of the 100 bytes announced');
  });

  it('fails a reader that opens after the short input ended, and one whose length came after the end', async () => {
    const late = stream().input;
    late.setLength(10);
    late.push(bytes(4));
    late.end();
    await expect(readAll(late.open())).rejects.toBeInstanceOf(BodyIncompleteError);

    const unannounced = stream().input;
    unannounced.push(bytes(4));
    unannounced.end();
    unannounced.setLength(10);
    await expect(readAll(unannounced.open())).rejects.toBeInstanceOf(BodyIncompleteError);
  });

  it('ends at once for a length of 0', async () => {
    const { input } = stream();
    input.setLength(0);
    input.push(bytes(3));
    expect(await readAll(input.open())).toEqual([]);
  });

  it('reads to the end of the input when no length was announced', async () => {
    const { input } = stream();
    const body = input.open();
    input.push(bytes(30));
    input.push(bytes(20));
    input.end();
    expect(await readAll(body)).toHaveLength(50);
  });

  it('does not count the dropped bytes against the limit', async () => {
    const { input } = stream({ limit: 20 });
    input.setLength(10);
    input.push(bytes(50));
    expect(await readAll(input.open())).toHaveLength(10);

    const unannounced = stream({ limit: 20 }).input;
    unannounced.push(bytes(50));
    await expect(readAll(unannounced.open())).rejects.toBeInstanceOf(BodyTooLargeError);

    const overLimit = stream({ limit: 20 }).input;
    overLimit.setLength(30);
    overLimit.push(bytes(30));
    await expect(readAll(overLimit.open())).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it('lets the connection read on once the announced bytes are in, however many wait unread', () => {
    const { input, held } = stream({ highWaterMark: 8 });
    input.setLength(12);
    input.push(bytes(10));
    expect(held.has(input)).toBe(true);
    input.push(bytes(10));
    expect(held.has(input)).toBe(false);
  });
});
