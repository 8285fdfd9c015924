import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOutput } from '../../test/support/fastcgi-peer/responses.js';
import { RecordType } from '../protocol/index.js';
import { encodeOutput } from './output.js';

/** What a web server reads of one request's output. */
function decode(chunks: readonly Uint8Array[], requestId: number): { stdout: number[]; ended: boolean; appStatus: number | undefined } {
  const answers = decodeOutput(chunks);
  expect([...answers.keys()].every((id) => id === requestId)).toBe(true);
  const answer = answers.get(requestId);
  return { stdout: [...(answer?.stdout ?? [])], ended: answer?.stdoutClosed ?? false, appStatus: answer?.end?.appStatus };
}

describe('encodeOutput', () => {
  it('carves small outputs from one shared slab of at most 8 KiB, so that a slab dies young', () => {
    const first = encodeOutput(RecordType.STDOUT, 1, [new Uint8Array(100)], { appStatus: 0 });
    const second = encodeOutput(RecordType.STDOUT, 2, [new Uint8Array(100)], { appStatus: 0 });
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(1);
    // A larger slab outlives a young-generation GC under load and is promoted with its memory.
    expect(first[0]!.buffer.byteLength).toBeLessThanOrEqual(8 * 1024);
    expect(second[0]!.buffer).toBe(first[0]!.buffer);
  });

  it('encodes every output whole, in slices that never overlap one kept earlier', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.integer({ min: 1, max: 0xffff }),
            body: fc.uint8Array({ maxLength: 20_000 }),
            finish: fc.boolean(),
            text: fc.string({ unit: 'grapheme-ascii', maxLength: 50 }),
          }),
          {
            maxLength: 40,
          },
        ),
        (outputs) => {
          const kept = outputs.map(({ id, body, finish, text }) => ({
            id,
            expected: [...new TextEncoder().encode(text), ...body],
            finish,
            chunks: encodeOutput(RecordType.STDOUT, id, [body], finish ? { appStatus: 7 } : undefined, text ? [text] : undefined),
          }));
          // Decoded after all were encoded: a later output must not have written over an earlier one.
          for (const { id, expected, finish, chunks } of kept) {
            const decoded = decode(chunks, id);
            expect(decoded.stdout).toEqual(expected);
            expect(decoded.ended).toBe(finish);
            expect(decoded.appStatus).toBe(finish ? 7 : undefined);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
