import type { ListenQueueProbe } from './listen-queue.js';
import { NO_RETIRED, type PoolNumbers, type ProcessStats, type RetiredTotals } from './status.js';

/**
 * Pool-wide numbers that outlive any one process: the counters of processes that exited (so
 * totals never go down, as Prometheus counters must not), the listen queue and the most
 * requests in flight at once.
 */
export class PoolMeter {
  readonly startedAt = Date.now();
  restarts = 0;
  recycles = 0;
  readonly #retired: RetiredTotals = { ...NO_RETIRED };
  #maxActive = 0;

  constructor(private readonly probe: ListenQueueProbe | undefined) {}

  /** A process left; `last` is what it reported last. */
  retire(last: ProcessStats | undefined): void {
    if (last === undefined) return;
    this.#retired.requests += last.totalRequests;
    this.#retired.connections += last.acceptedConnections;
    this.#retired.slowRequests += last.slowRequests;
    this.#retired.refusedRequests += last.refusedRequests;
  }

  /** Requests seen in flight at once (a sum of per-process peaks over one heartbeat). */
  notePeak(active: number): void {
    if (active > this.#maxActive) this.#maxActive = active;
  }

  /** Looks at the listen queue, so its maximum covers the moments no one asked for the status. */
  sampleListenQueue(): void {
    this.probe?.sample();
  }

  numbers(workers: number): PoolNumbers {
    const listenQueue = this.probe?.sample() ?? null;
    return {
      startedAt: this.startedAt,
      workers,
      workerRestarts: this.restarts,
      workerRecycles: this.recycles,
      retired: { ...this.#retired },
      listenQueue,
      maxListenQueue: this.probe?.max ?? null,
      listenQueueLen: this.probe?.capacity ?? null,
      maxActiveRequests: this.#maxActive,
    };
  }
}
