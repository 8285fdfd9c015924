import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnorderedList, type ListMember } from './unordered-list.js';

describe('UnorderedList', () => {
  it('holds exactly the items added and not removed since, for any sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 9 })), { maxLength: 100 }), (ops) => {
        const items: ListMember[] = Array.from({ length: 10 }, () => ({ listIndex: -1 }));
        const list = new UnorderedList<ListMember>();
        const model = new Set<ListMember>();
        for (const [add, index] of ops) {
          const item = items[index]!;
          if (add) {
            list.add(item);
            model.add(item);
          } else {
            list.remove(item);
            model.delete(item);
          }
          expect(list.size).toBe(model.size);
        }
        expect(new Set(list.snapshot())).toEqual(model);
        for (const item of items) expect(item.listIndex >= 0).toBe(model.has(item));
      }),
    );
  });
});
