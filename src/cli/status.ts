import type { App, FetchHandler } from '../types.js';

/** Counters of one serving process. */
export interface ProcessStats {
  readonly pid: number;
  /** Milliseconds since the epoch. */
  readonly startedAt: number;
  /** Open FastCGI connections, or null when the server does not count them. */
  readonly connections: number | null;
  readonly activeRequests: number;
  readonly totalRequests: number;
}

/** What the status endpoint reports: the sum over every serving process. */
export interface StatusReport {
  /** Milliseconds since the epoch, when the primary (or the single process) started. */
  readonly startedAt: number;
  readonly uptimeSeconds: number;
  readonly workers: number;
  readonly workerRestarts: number;
  readonly connections: number | null;
  readonly activeRequests: number;
  readonly totalRequests: number;
  readonly processes: readonly ProcessStats[];
}

/** Live numbers of this process; `server` supplies what only serve() knows. */
export class Counters {
  readonly startedAt = Date.now();
  totalRequests = 0;
  #active = 0;
  server: { readonly activeRequests: number; readonly connections?: number } | undefined;

  begin(): void {
    this.totalRequests++;
    this.#active++;
  }

  end(): void {
    this.#active--;
  }

  snapshot(): ProcessStats {
    const connections = this.server?.connections;
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      connections: typeof connections === 'number' ? connections : null,
      // The engine's count includes bodies still streaming out; the handler count is the fallback.
      activeRequests: this.server ? this.server.activeRequests : this.#active,
      totalRequests: this.totalRequests,
    };
  }
}

/** Adds process snapshots up into a report. */
export function summarize(
  processes: readonly ProcessStats[],
  pool: { startedAt: number; workers: number; workerRestarts: number },
): StatusReport {
  const connections = processes.every((p) => p.connections !== null)
    ? processes.reduce((sum, p) => sum + (p.connections ?? 0), 0)
    : null;
  return {
    startedAt: pool.startedAt,
    uptimeSeconds: Math.floor((Date.now() - pool.startedAt) / 1000),
    workers: pool.workers,
    workerRestarts: pool.workerRestarts,
    connections,
    activeRequests: processes.reduce((sum, p) => sum + p.activeRequests, 0),
    totalRequests: processes.reduce((sum, p) => sum + p.totalRequests, 0),
    processes,
  };
}

/** The plain-text form, aligned like php-fpm's status page. */
export function renderText(report: StatusReport): string {
  const rows: Array<[string, string | number]> = [
    ['start time', new Date(report.startedAt).toISOString()],
    ['uptime', `${report.uptimeSeconds} s`],
    ['workers', report.workers],
    ['worker restarts', report.workerRestarts],
    ['connections', report.connections ?? 'unknown'],
    ['active requests', report.activeRequests],
    ['total requests', report.totalRequests],
  ];
  const lines = rows.map(([name, value]) => `${`${name}:`.padEnd(18)}${value}`);
  if (report.processes.length > 1) {
    lines.push('', 'pid      active  total  connections');
    for (const p of report.processes) {
      lines.push(`${String(p.pid).padEnd(9)}${String(p.activeRequests).padEnd(8)}${String(p.totalRequests).padEnd(7)}${p.connections ?? '-'}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function wantsJson(request: Request, url: URL): boolean {
  if (url.searchParams.has('json')) return true;
  return /\bapplication\/json\b/.test(request.headers.get('accept') ?? '');
}

function toHandler(app: App): FetchHandler {
  if (typeof app === 'function') return app;
  return app.fetch.bind(app) as FetchHandler;
}

/**
 * Wraps the app: counts requests, and answers `statusPath` (when given) before the app does.
 * `report` gathers the numbers, over IPC when workers share the load.
 */
export function withStatus(
  app: App,
  counters: Counters,
  statusPath: string | undefined,
  report: () => Promise<StatusReport>,
): FetchHandler {
  const fetch = toHandler(app);
  return async (request, context, executionContext) => {
    counters.begin();
    try {
      if (statusPath !== undefined) {
        const url = new URL(request.url);
        if (url.pathname === statusPath) {
          const status = await report();
          const headers = { 'cache-control': 'no-store' };
          return wantsJson(request, url)
            ? Response.json(status, { headers })
            : new Response(renderText(status), { headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
        }
      }
      return await fetch(request, context, executionContext);
    } finally {
      counters.end();
    }
  };
}
