import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestTable } from './request-table.js';

describe('RequestTable', () => {
  it('behaves as a Map for any sequence of ids, small or past the array', () => {
    const id = fc.oneof(fc.integer({ min: 1, max: RequestTable.SMALL_IDS + 2 }), fc.integer({ min: 1, max: 65535 }));
    const op = fc.tuple(fc.boolean(), id);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const table = new RequestTable<string>();
        const model = new Map<number, string>();
        for (const [add, key] of ops) {
          if (add) {
            table.set(key, `r${key}`);
            model.set(key, `r${key}`);
          } else {
            table.delete(key);
            model.delete(key);
          }
          expect(table.size).toBe(model.size);
          expect(table.get(key)).toBe(model.get(key));
        }
        expect(table.values().sort()).toEqual([...model.values()].sort());
      }),
    );
  });

  it('gives a snapshot that deleting while going through does not disturb', () => {
    const table = new RequestTable<number>();
    for (const key of [1, 2, 3, 1000]) table.set(key, key);
    const seen: number[] = [];
    for (const value of table.values()) {
      seen.push(value);
      table.delete(value);
    }
    expect(seen.sort((a, b) => a - b)).toEqual([1, 2, 3, 1000]);
    expect(table.size).toBe(0);
  });
});
