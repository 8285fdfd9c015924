import { Worker } from 'node:worker_threads';
import { log } from './log.js';
import type { SlowRequest } from './slowlog.js';
import type { Counters } from './status.js';

/** What the watcher thread needs (its workerData). */
export interface StallWatchData {
  /** One BigInt64 element: when the main thread's event loop last turned (ms since the epoch). */
  readonly heartbeat: SharedArrayBuffer;
  /** A loop blocked this long (ms) gets a slow-log entry with its stack. */
  readonly timeout: number;
  readonly slowlog: string | undefined;
  readonly pid: number;
}

/**
 * Set on the main thread; the watcher calls it while the main thread is paused in the debugger:
 * it names the requests in flight (as JSON) and marks them logged.
 */
export const STALL_HOOK = Symbol.for('fastcgi-fetch.stalled-requests');

/** A watcher of this process's event loop, fed by `beat()` from a timer of the main thread. */
export interface StallWatch {
  beat(): void;
}

function threadUrl(): URL {
  const here = import.meta.url;
  return new URL(`./stall-watch-thread${here.slice(here.lastIndexOf('.'))}`, here);
}

/** Development: the CLI runs from source under tsx, whose hooks do not reach worker threads (Node 20). */
function startThread(data: StallWatchData): Worker {
  const file = threadUrl();
  if (!file.pathname.endsWith('.ts')) return new Worker(file, { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(file.href)}); })`;
  return new Worker(source, { eval: true, workerData: data });
}

/**
 * Starts a thread that watches the main thread's event loop: when it has not turned for
 * `timeout` ms, the thread pauses the main thread through the inspector (which interrupts even
 * a `while (true) {}`), writes the JavaScript stack and the requests in flight to the slow log,
 * and lets it go on. A thread of its own, because a blocked loop cannot report itself.
 */
export function startStallWatch(counters: Counters, timeout: number, slowlog: string | undefined): StallWatch {
  const heartbeat = new SharedArrayBuffer(8);
  const beats = new BigInt64Array(heartbeat);
  const beat = () => Atomics.store(beats, 0, BigInt(Date.now()));
  beat();
  (globalThis as Record<symbol, unknown>)[STALL_HOOK] = (): string => {
    const now = Date.now();
    const requests: SlowRequest[] = [];
    for (const entry of counters.inFlight ?? []) {
      if (!entry.slowLogged) {
        entry.slowLogged = true;
        counters.slowRequests++;
      }
      requests.push({ method: entry.method, url: entry.url, runningMs: now - entry.startedAt });
    }
    return JSON.stringify(requests);
  };
  let thread: Worker;
  try {
    thread = startThread({ heartbeat, timeout, slowlog, pid: process.pid });
  } catch (error) {
    log(`slow log: cannot watch the event loop (${error instanceof Error ? error.message : String(error)}); slow requests are still logged, without stacks`);
    return { beat };
  }
  thread.unref();
  thread.on('message', (message: unknown) => {
    if (typeof message === 'string') log(`slow log: ${message}`);
  });
  thread.on('error', (error) => log(`slow log: the event-loop watcher failed: ${error.message}`));
  return { beat };
}
