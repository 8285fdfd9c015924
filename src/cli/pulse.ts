import type { PoolOptions } from './pool-options.js';
import { sweepSlowRequests } from './slowlog.js';
import { startStallWatch } from './stall-watch.js';
import type { Counters } from './status.js';

/**
 * How often a process beats (and the primary checks the beats): a quarter of the shortest time
 * limit, so a blocked worker is found within a quarter more than its limit; at most once a second.
 */
export function pulsePeriod(pool: PoolOptions): number {
  const limits = [pool.requestTimeout, pool.slowlogTimeout].filter((t) => t > 0);
  return limits.length === 0 ? 1000 : Math.max(25, Math.min(1000, Math.min(...limits) / 4));
}

/**
 * The periodic work of a serving process, on one timer that runs only while its event loop
 * turns: the slow-log sweep, the beat the event-loop watcher waits for, and `onBeat` (the
 * heartbeat to the primary). Returns a function that stops it.
 */
export function startPulse(counters: Counters, pool: PoolOptions, onBeat?: () => void): () => void {
  const watch = pool.slowlogTimeout > 0 ? startStallWatch(counters, pool.slowlogTimeout, pool.slowlog) : undefined;
  const timer = setInterval(() => {
    watch?.beat();
    if (pool.slowlogTimeout > 0) sweepSlowRequests(counters, pool.slowlogTimeout, pool.slowlog);
    onBeat?.();
  }, pulsePeriod(pool));
  timer.unref();
  return () => clearInterval(timer);
}
