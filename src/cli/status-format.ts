import type { ProcessStats, StatusReport } from './status.js';

type Row = readonly [string, string | number | null];

function lines(rows: readonly Row[]): string[] {
  return rows.map(([name, value]) => `${`${name}:`.padEnd(22)}${value ?? 'unknown'}`);
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

function processBlock(p: ProcessStats, now: number): string[] {
  const rows: Row[] = [
    ['pid', p.pid],
    ['state', p.state],
    ['start time', isoTime(p.startedAt)],
    ['start since', Math.floor((now - p.startedAt) / 1000)],
    ['requests', p.totalRequests],
    ['active requests', p.activeRequests],
    ['max active requests', p.maxActiveRequests],
    ['slow requests', p.slowRequests],
    ['accepted conn', p.acceptedConnections],
    ['connections', p.connections],
  ];
  const requests = (p.currentRequests ?? []).map((r) => `${'request:'.padEnd(22)}${r.method} ${r.url} (${r.durationMs} ms)`);
  return ['', '************************', ...lines(rows), ...requests];
}

/**
 * The plain-text form, aligned like php-fpm's status page; `full` adds a block per process
 * (php-fpm's `?full`), with one line per request in flight.
 */
export function renderText(report: StatusReport, full = false): string {
  const out = lines([
    ['start time', isoTime(report.startedAt)],
    ['uptime', `${report.uptimeSeconds} s`],
    ['workers', report.workers],
    ['worker restarts', report.workerRestarts],
    ['connections', report.connections],
    ['active requests', report.activeRequests],
    ['total requests', report.totalRequests],
    ['start since', report.uptimeSeconds],
    ['accepted conn', report.acceptedConnections],
    ['listen queue', report.listenQueue],
    ['max listen queue', report.maxListenQueue],
    ['listen queue len', report.listenQueueLen],
    ['idle processes', report.idleProcesses],
    ['active processes', report.activeProcesses],
    ['total processes', report.totalProcesses],
    ['max active requests', report.maxActiveRequests],
    ['max children reached', report.maxChildrenReached],
    ['slow requests', report.slowRequests],
    ['worker recycles', report.workerRecycles],
  ]);
  const now = Date.now();
  if (full) {
    for (const p of report.processes) out.push(...processBlock(p, now));
  } else if (report.processes.length > 1) {
    out.push('', 'pid      state          active  total  connections');
    for (const p of report.processes) {
      out.push(
        `${String(p.pid).padEnd(9)}${p.state.padEnd(15)}${String(p.activeRequests).padEnd(8)}${String(p.totalRequests).padEnd(7)}${p.connections ?? '-'}`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

const PREFIX = 'fastcgi_fetch_';

/**
 * The Prometheus text exposition format (version 0.0.4), which Prometheus and every
 * OpenMetrics scraper read. Counters end in `_total`; numbers the OS does not report are left out.
 */
export function renderOpenMetrics(report: StatusReport): string {
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number | null) => {
    if (value === null) return;
    const full = `${PREFIX}${name}`;
    out.push(`# HELP ${full} ${help}`, `# TYPE ${full} ${type}`, `${full} ${value}`);
  };
  metric('up', 'gauge', 'Whether the pool answers (always 1 when this page is served).', 1);
  metric('start_time_seconds', 'gauge', 'When the pool started, in seconds since the epoch.', Math.floor(report.startedAt / 1000));
  metric('start_since_seconds', 'gauge', 'Seconds since the pool started.', report.uptimeSeconds);
  metric('accepted_connections_total', 'counter', 'FastCGI connections accepted by the pool.', report.acceptedConnections);
  metric('connections', 'gauge', 'FastCGI connections open now.', report.connections);
  metric('listen_queue', 'gauge', 'Connections waiting in the listen queue to be accepted.', report.listenQueue);
  metric('max_listen_queue', 'gauge', 'The most connections seen waiting in the listen queue since the pool started.', report.maxListenQueue);
  metric('listen_queue_length', 'gauge', 'The size of the listen queue.', report.listenQueueLen);
  metric('idle_processes', 'gauge', 'Processes with no request in flight.', report.idleProcesses);
  metric('active_processes', 'gauge', 'Processes with requests in flight.', report.activeProcesses);
  metric('total_processes', 'gauge', 'Serving processes.', report.totalProcesses);
  metric('active_requests', 'gauge', 'Requests in flight.', report.activeRequests);
  metric('max_active_requests', 'gauge', 'The most requests in flight at once since the pool started.', report.maxActiveRequests);
  metric('requests_total', 'counter', 'Requests served by the pool.', report.totalRequests);
  metric('max_children_reached_total', 'counter', 'Requests refused because a process was at its concurrency limit.', report.maxChildrenReached);
  metric('slow_requests_total', 'counter', 'Requests that ran longer than the slow-log timeout.', report.slowRequests);
  metric('worker_restarts_total', 'counter', 'Workers restarted after they crashed or were killed.', report.workerRestarts);
  metric('worker_recycles_total', 'counter', 'Workers replaced after their maximum number of requests.', report.workerRecycles);
  return `${out.join('\n')}\n`;
}

function wantsJson(query: URLSearchParams, accept: string | null): boolean {
  return query.has('json') || /\bapplication\/json\b/.test(accept ?? '');
}

const NO_STORE = { 'cache-control': 'no-store' };

/** The status page in the format asked for: `?openmetrics`, `?json` (or Accept: application/json), else text; `full` as php-fpm's `?full`. */
export function renderStatus(report: StatusReport, query: URLSearchParams, accept: string | null, full: boolean): Response {
  if (query.has('openmetrics')) {
    return new Response(renderOpenMetrics(report), { headers: { ...NO_STORE, 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } });
  }
  if (wantsJson(query, accept)) return Response.json(report, { headers: NO_STORE });
  return new Response(renderText(report, full), { headers: { ...NO_STORE, 'content-type': 'text/plain; charset=utf-8' } });
}
