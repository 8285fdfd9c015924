import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBeginRequest } from '../protocol/index.js';
import { ConnectionGate, type IdleLink } from './connection-gate.js';
import { collectRequests, createWire, requestRecords } from '../../test/support/fastcgi-peer.js';

function link(name: string, evicted: string[], gate: ConnectionGate): IdleLink & { name: string } {
  const item = {
    name,
    idlePrev: undefined,
    idleNext: undefined,
    idleLinked: false,
    evict: () => {
      evicted.push(name);
      gate.closed(item);
    },
  };
  return item;
}

describe('ConnectionGate', () => {
  it('evicts the connections idle longest first, in the order they became idle, for any sequence', () => {
    // Model: an array of idle names, oldest first.
    type Op = ['open' | 'busy' | 'idle' | 'close' | 'admit', number];
    const op = fc.tuple(fc.constantFrom('open', 'busy', 'idle', 'close', 'admit'), fc.integer({ min: 0, max: 7 })) as fc.Arbitrary<Op>;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const gate = new ConnectionGate(4);
        const evicted: string[] = [];
        const links = Array.from({ length: 8 }, (_, i) => link(`c${i}`, evicted, gate));
        const open = new Set<number>();
        let idle: number[] = [];
        for (const [kind, i] of ops) {
          const item = links[i]!;
          if (kind === 'open' && !open.has(i)) {
            gate.opened(item);
            open.add(i);
            idle.push(i);
          } else if (kind === 'busy' && open.has(i)) {
            gate.busy(item);
            idle = idle.filter((x) => x !== i);
          } else if (kind === 'idle' && open.has(i)) {
            gate.idle(item);
            if (!idle.includes(i)) idle.push(i);
          } else if (kind === 'close' && open.has(i)) {
            gate.closed(item);
            open.delete(i);
            idle = idle.filter((x) => x !== i);
          } else if (kind === 'admit') {
            const before = evicted.length;
            // Room for one more: the idle longest go until fewer than 4 are open (more than one
            // when connections were opened past the limit without asking).
            const expected: string[] = [];
            while (open.size >= 4 && idle.length > 0) {
              const oldest = idle.shift()!;
              open.delete(oldest);
              expected.push(`c${oldest}`);
            }
            expect(gate.admit()).toBe(open.size < 4);
            expect(evicted.slice(before)).toEqual(expected);
          }
          expect(gate.open).toBe(open.size);
        }
      }),
      // Found by a CI run: five opened past the limit of four, then one asks for room.
      {
        examples: [
          [
            [
              ['open', 0],
              ['open', 1],
              ['open', 2],
              ['open', 3],
              ['open', 4],
              ['admit', 0],
            ],
          ],
        ],
      },
    );
  });

  it('makes room from a connection that has not sent anything yet, never from one with a request in flight', () => {
    const gate = new ConnectionGate(2);
    const { requests, onRequest } = collectRequests();
    const busy = createWire({ onRequest, connections: gate });
    busy.send(requestRecords(1, [['REQUEST_METHOD', 'GET']], '', { keepConn: true }));
    expect(requests).toHaveLength(1);
    const silent = createWire({ onRequest, connections: gate });

    expect(gate.admit()).toBe(true);
    expect([silent.ended, busy.ended]).toEqual([true, false]);
    expect(silent.connection.isClosed).toBe(true);
    const third = createWire({ onRequest, connections: gate });
    // Both open connections now busy: the one just opened has its BEGIN_REQUEST in.
    third.send(encodeBeginRequest(1, 1, true));
    expect(gate.admit()).toBe(false);
    expect([busy.ended, third.ended]).toEqual([false, false]);

    // Once its request ends, the connection is idle again and can make room.
    requests[0]!.end();
    expect(busy.ended).toBe(false);
    expect(gate.admit()).toBe(true);
    expect(busy.ended).toBe(true);
  });

  it('frees the place of a connection the moment the engine closes it', () => {
    const gate = new ConnectionGate(1);
    const wire = createWire({ connections: gate });
    expect(gate.open).toBe(1);
    wire.connection.closed();
    expect(gate.open).toBe(0);
    expect(gate.admit()).toBe(true);
  });
});
