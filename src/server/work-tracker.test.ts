import { describe, expect, it } from 'vitest';
import { WorkTracker } from './work-tracker.js';

describe('WorkTracker', () => {
  it('settles at once with nothing tracked', async () => {
    await expect(new WorkTracker().settled()).resolves.toBeUndefined();
  });

  it('settles only when every tracked promise, fulfilled or rejected, and those added meanwhile have settled', async () => {
    const work = new WorkTracker();
    const events: string[] = [];
    let releaseA!: () => void;
    work.track(new Promise<void>((resolve) => (releaseA = resolve)));
    work.track(Promise.reject(new Error('ignored')));
    const settled = work.settled().then(() => events.push('settled'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    let releaseB!: () => void;
    work.track(new Promise<void>((resolve) => (releaseB = resolve)));
    releaseA();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(events).toEqual([]);
    releaseB();
    await settled;
    expect(events).toEqual(['settled']);
    expect(work.size).toBe(0);
  });
});
