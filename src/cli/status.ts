/** A request in flight, as the status page (`?full`) and the slow log show it. */
export interface InFlight {
  readonly method: string;
  readonly url: string;
  /** Milliseconds since the epoch. */
  readonly startedAt: number;
  /** Written to the slow log already: each request is logged once. */
  slowLogged: boolean;
}

/** A request in flight, in a status report. */
interface CurrentRequest {
  readonly method: string;
  readonly url: string;
  readonly durationMs: number;
}

/**
 * What a process is doing: serving requests or not; the primary adds `finishing` (leaving after
 * a reload or recycling) and `not responding` (its event loop did not answer in time).
 */
type ProcessState = 'idle' | 'running' | 'finishing' | 'not responding';

/** Counters of one serving process. */
export interface ProcessStats {
  readonly pid: number;
  /** Milliseconds since the epoch. */
  readonly startedAt: number;
  readonly state: ProcessState;
  /** Open FastCGI connections, or null when the server does not count them. */
  readonly connections: number | null;
  readonly acceptedConnections: number;
  readonly activeRequests: number;
  readonly totalRequests: number;
  /** The most requests this process had in flight at once. */
  readonly maxActiveRequests: number;
  /** Requests that ran past the slow-log timeout. */
  readonly slowRequests: number;
  /** Requests refused (FCGI_OVERLOADED) because the process was at its concurrency limit. */
  readonly refusedRequests: number;
  /** The requests in flight; only in a full report. */
  readonly currentRequests?: readonly CurrentRequest[];
}

/** Counters of processes that have exited, kept so pool totals never go down. */
export interface RetiredTotals {
  requests: number;
  connections: number;
  slowRequests: number;
  refusedRequests: number;
}

/** What only the pool (the primary, or the single process) knows. */
export interface PoolNumbers {
  readonly startedAt: number;
  readonly workers: number;
  readonly workerRestarts: number;
  /** Workers replaced after --max-requests. */
  readonly workerRecycles: number;
  readonly retired: RetiredTotals;
  /** The listen socket's queue: now, the most seen, its size; null where the OS does not say. */
  readonly listenQueue: number | null;
  readonly maxListenQueue: number | null;
  readonly listenQueueLen: number | null;
  /** The most requests in flight at once over the pool. */
  readonly maxActiveRequests: number;
}

/** What the status endpoint reports: php-fpm's pool fields that apply, summed over every process. */
export interface StatusReport {
  /** Milliseconds since the epoch, when the primary (or the single process) started. */
  readonly startedAt: number;
  readonly uptimeSeconds: number;
  readonly workers: number;
  readonly workerRestarts: number;
  readonly workerRecycles: number;
  readonly connections: number | null;
  readonly acceptedConnections: number;
  readonly listenQueue: number | null;
  readonly maxListenQueue: number | null;
  readonly listenQueueLen: number | null;
  /** Processes with no request in flight. */
  readonly idleProcesses: number;
  readonly activeProcesses: number;
  readonly totalProcesses: number;
  readonly activeRequests: number;
  readonly maxActiveRequests: number;
  readonly totalRequests: number;
  /** php-fpm's "max children reached": requests refused because a process was at its limit. */
  readonly maxChildrenReached: number;
  readonly slowRequests: number;
  readonly processes: readonly ProcessStats[];
}

/** What serve() tells about itself. */
interface ServerNumbers {
  readonly activeRequests: number;
  readonly connections?: number;
  readonly totalConnections?: number;
  readonly refusedRequests?: number;
}

/** Live numbers of this process; `server` supplies what only serve() knows. */
export class Counters {
  readonly startedAt = Date.now();
  totalRequests = 0;
  maxActiveRequests = 0;
  slowRequests = 0;
  server: ServerNumbers | undefined;
  /** Requests in flight, kept only when something shows them (full status, slow log). */
  readonly inFlight: Set<InFlight> | undefined;
  #active = 0;
  #peak = 0;

  constructor(options: { trackRequests?: boolean } = {}) {
    this.inFlight = options.trackRequests ? new Set() : undefined;
  }

  begin(request: Request): InFlight | undefined {
    this.totalRequests++;
    const active = ++this.#active;
    if (active > this.#peak) {
      this.#peak = active;
      if (active > this.maxActiveRequests) this.maxActiveRequests = active;
    }
    if (this.inFlight === undefined) return undefined;
    const entry: InFlight = { method: request.method, url: request.url, startedAt: Date.now(), slowLogged: false };
    this.inFlight.add(entry);
    return entry;
  }

  end(entry: InFlight | undefined): void {
    this.#active--;
    if (entry !== undefined) this.inFlight!.delete(entry);
  }

  /** The most requests in flight at once since the last call (the primary sums these over workers). */
  takePeak(): number {
    const peak = this.#peak;
    this.#peak = this.#active;
    return peak;
  }

  snapshot(full = false): ProcessStats {
    const server = this.server;
    const connections = server?.connections;
    // The engine's count includes bodies still streaming out; the handler count is the fallback.
    const activeRequests = server ? server.activeRequests : this.#active;
    const now = Date.now();
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      state: activeRequests > 0 ? 'running' : 'idle',
      connections: typeof connections === 'number' ? connections : null,
      acceptedConnections: server?.totalConnections ?? 0,
      activeRequests,
      totalRequests: this.totalRequests,
      maxActiveRequests: this.maxActiveRequests,
      slowRequests: this.slowRequests,
      refusedRequests: server?.refusedRequests ?? 0,
      ...(full && this.inFlight ? { currentRequests: [...this.inFlight].map((r) => ({ method: r.method, url: r.url, durationMs: now - r.startedAt })) } : {}),
    };
  }
}

export const NO_RETIRED: RetiredTotals = Object.freeze({ requests: 0, connections: 0, slowRequests: 0, refusedRequests: 0 });

/** Adds process snapshots up into a report. */
export function summarize(processes: readonly ProcessStats[], pool: PoolNumbers): StatusReport {
  const sum = (pick: (p: ProcessStats) => number) => processes.reduce((total, p) => total + pick(p), 0);
  const connections = processes.every((p) => p.connections !== null) ? sum((p) => p.connections ?? 0) : null;
  const activeProcesses = processes.filter((p) => p.activeRequests > 0).length;
  const activeRequests = sum((p) => p.activeRequests);
  return {
    startedAt: pool.startedAt,
    uptimeSeconds: Math.floor((Date.now() - pool.startedAt) / 1000),
    workers: pool.workers,
    workerRestarts: pool.workerRestarts,
    workerRecycles: pool.workerRecycles,
    connections,
    acceptedConnections: pool.retired.connections + sum((p) => p.acceptedConnections),
    listenQueue: pool.listenQueue,
    maxListenQueue: pool.maxListenQueue,
    listenQueueLen: pool.listenQueueLen,
    idleProcesses: processes.length - activeProcesses,
    activeProcesses,
    totalProcesses: processes.length,
    activeRequests,
    maxActiveRequests: Math.max(pool.maxActiveRequests, activeRequests),
    totalRequests: pool.retired.requests + sum((p) => p.totalRequests),
    maxChildrenReached: pool.retired.refusedRequests + sum((p) => p.refusedRequests),
    slowRequests: pool.retired.slowRequests + sum((p) => p.slowRequests),
    processes,
  };
}
