/**
 * The fuzz loop: each generated stream goes through a fresh application (the wiring serve()
 * uses) over an in-memory transport, then the peer goes away, and the checks run: nothing
 * thrown, every handler settled within a bound, every started request ended, the output
 * still decodes as records, and (with --expose-gc) no heap growth.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RecordReader } from '../../src/protocol/index.js';
import { createApplication } from '../../src/server/application.js';
import type { FetchHandler } from '../../src/types.js';
import { MemoryTransport } from '../support/fastcgi-peer.js';
import { fuzzApp } from './app.js';
import { Random } from './random.js';
import { makeStream } from './traffic.js';

export interface FuzzOptions {
  /** Stop after this many streams... */
  streams: number;
  /** ...or after this many seconds, whichever comes first. */
  seconds?: number;
  seed?: number;
  /** Streams in flight at once. */
  concurrency?: number;
  /** How long a stream may take to settle after its connection closes. */
  settleMs?: number;
  onProgress?(done: number): void;
}

export interface FuzzReport {
  streams: number;
  requestsStarted: number;
  failures: string[];
  /** heapUsed after a full GC, in bytes; undefined without --expose-gc. */
  heapBefore: number | undefined;
  heapAfter: number | undefined;
  seconds: number;
}

const MAX_FAILURES = 20;

function heapAfterGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Runs one stream; resolves with a failure description, or undefined when all checks pass. */
export async function runStream(seed: number, settleMs: number, started = { count: 0 }): Promise<string | undefined> {
  const random = new Random(seed);
  const stream = makeStream(random);
  // Handlers running now, with their request ids: what a hang report names.
  const running = new Map<Request, number>();
  let outputError: unknown;
  const output = new RecordReader({ record() {}, streamData() {}, streamEnd() {} });
  const fetch: FetchHandler = (request, context, executionContext) => {
    running.set(request, context.requestId);
    return Promise.resolve(fuzzApp(request, context, executionContext)).finally(() => running.delete(request));
  };
  const application = createApplication(fetch, {
    maxParamsBytes: 2048,
    maxBodySize: 32 * 1024,
    bodyHighWaterMark: 1024,
    maxRequests: 3,
    // The platform's Request and Response, as handleRequest alone gives them.
    overrideGlobalObjects: false,
    log: () => {},
  });
  const transport = new MemoryTransport((chunks) => {
    try {
      for (const chunk of chunks) output.push(chunk);
    } catch (error) {
      outputError ??= error;
    }
  });
  const connection = application.attach(transport);
  const describe = (what: string) => `seed ${seed}: ${what} (mutations: ${stream.mutations.join(', ') || 'none'})`;
  try {
    for (const chunk of stream.chunks) {
      if (transport.closed) break;
      connection.receive(chunk);
      if (random.chance(0.3)) await (random.chance(0.5) ? Promise.resolve() : new Promise((resolve) => setImmediate(resolve)));
    }
    // Sometimes let the requests finish on a live connection before the peer goes.
    if (random.chance(0.5)) for (let turns = random.int(1, 4); turns > 0; turns--) await new Promise((resolve) => setImmediate(resolve));
  } catch (error) {
    return describe(`receive threw ${String(error)}`);
  }
  connection.closed();
  started.count += application.totalRequests;
  // The bound's timer is cancelled once the stream settles: left pending, every stream of the
  // last `settleMs` would still be held when the heap is measured.
  const bound = new AbortController();
  const settled = await Promise.race([application.settled().then(() => true), sleep(settleMs, false, { signal: bound.signal }).catch(() => false)]);
  bound.abort();
  if (!settled)
    return describe(
      `handlers still running ${settleMs} ms after the connection closed: ${[...running].map(([request, id]) => `${id} ${new URL(request.url).pathname}`).join('; ')}`,
    );
  if (application.activeRequests !== 0) return describe(`${application.activeRequests} request(s) never ended`);
  if (connection.activeRequests !== 0) return describe(`the connection still counts ${connection.activeRequests} active request(s)`);
  if (outputError !== undefined) return describe(`the output does not decode: ${String(outputError)}`);
  return undefined;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const seed = options.seed ?? 1;
  const concurrency = options.concurrency ?? 64;
  const settleMs = options.settleMs ?? 2000;
  const deadline = options.seconds === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.seconds * 1000;
  const failures: string[] = [];
  const uncaught = (error: unknown) => failures.push(`uncaught: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.on('uncaughtException', uncaught);
  process.on('unhandledRejection', uncaught);
  const started = { count: 0 };
  const begin = performance.now();
  let done = 0;
  let heapBefore: number | undefined;
  const warmUp = Math.min(2000, Math.floor(options.streams / 10));
  try {
    let next = 0;
    const worker = async () => {
      while (next < options.streams && performance.now() < deadline && failures.length < MAX_FAILURES) {
        const index = next++;
        const failure = await runStream((seed * 1_000_003 + index) >>> 0, settleMs, started);
        if (failure !== undefined) failures.push(failure);
        done++;
        if (done % 10_000 === 0) options.onProgress?.(done);
      }
    };
    if (warmUp > 0) {
      // Caches and JIT fill up first, so the heap comparison is about leaks.
      const total = options.streams;
      options.streams = warmUp;
      await Promise.all(Array.from({ length: concurrency }, worker));
      options.streams = total;
    }
    heapBefore = heapAfterGc();
    await Promise.all(Array.from({ length: concurrency }, worker));
    // Give stray timers (none expected) a chance to fire inside the window.
    await sleep(10);
  } finally {
    process.off('uncaughtException', uncaught);
    process.off('unhandledRejection', uncaught);
  }
  const heapAfter = heapAfterGc();
  return {
    streams: done,
    requestsStarted: started.count,
    failures,
    heapBefore,
    heapAfter,
    seconds: (performance.now() - begin) / 1000,
  };
}

/** Heap growth beyond this over a run is reported as a leak. */
export const HEAP_GROWTH_LIMIT = 8 * 1024 * 1024;
