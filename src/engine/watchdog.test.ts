import { afterEach, describe, expect, it, vi } from 'vitest';
import { unwatch, watch, type Watched } from './watchdog.js';

function member(seen: string[], name: string): Watched {
  return { inspect: () => seen.push(name), listIndex: -1 };
}

describe('the shared watchdog', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('inspects exactly the members watched at each tick, whatever order they leave in', () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => member(seen, name)) as [Watched, Watched, Watched, Watched];
    for (const m of [a, b, c, d]) watch(m, 101);
    watch(b, 101);
    vi.advanceTimersByTime(101);
    expect(seen.sort()).toEqual(['a', 'b', 'c', 'd']);
    seen.length = 0;
    unwatch(b, 101);
    unwatch(b, 101);
    unwatch(a, 101);
    vi.advanceTimersByTime(101);
    expect(seen.sort()).toEqual(['c', 'd']);
    seen.length = 0;
    unwatch(d, 101);
    watch(a, 101);
    vi.advanceTimersByTime(101);
    expect(seen.sort()).toEqual(['a', 'c']);
  });

  it('stops its interval on a tick with no member, and starts again for the next one', () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    const a = member(seen, 'a');
    watch(a, 103);
    unwatch(a, 103);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(103);
    expect(vi.getTimerCount()).toBe(0);
    watch(a, 103);
    vi.advanceTimersByTime(103);
    expect(seen).toEqual(['a']);
    unwatch(a, 103);
  });
});
