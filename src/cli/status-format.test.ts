import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { renderOpenMetrics, renderStatus, renderText } from './status-format.js';
import { summarize, type PoolNumbers, type ProcessStats } from './status.js';

const started = Date.UTC(2026, 0, 1);

function stats(pid: number, active: number, extra: Partial<ProcessStats> = {}): ProcessStats {
  return {
    pid,
    startedAt: started,
    state: active > 0 ? 'running' : 'idle',
    connections: active,
    acceptedConnections: 10,
    activeRequests: active,
    totalRequests: 100,
    maxActiveRequests: 3,
    slowRequests: 1,
    refusedRequests: 0,
    ...extra,
  };
}

const pool: PoolNumbers = {
  startedAt: started,
  workers: 2,
  workerRestarts: 1,
  workerRecycles: 4,
  retired: { requests: 1000, connections: 90, slowRequests: 2, refusedRequests: 5 },
  listenQueue: null,
  maxListenQueue: null,
  listenQueueLen: 511,
  maxActiveRequests: 7,
};

const report = summarize([stats(11, 2, { currentRequests: [{ method: 'GET', url: 'http://example.test/slow?x=1', durationMs: 1234 }] }), stats(12, 0)], pool);

describe('status report', () => {
  it('adds the counters of exited workers to the totals, so they never go down', () => {
    expect(report).toMatchObject({
      totalRequests: 1200,
      acceptedConnections: 110,
      slowRequests: 4,
      maxChildrenReached: 5,
      activeRequests: 2,
      maxActiveRequests: 7,
      idleProcesses: 1,
      activeProcesses: 1,
      totalProcesses: 2,
      workerRecycles: 4,
    });
  });

  it('is Prometheus text that a Prometheus parser reads: one typed, documented sample per metric, counters ending in _total', () => {
    const families = parsePrometheusTextFormat(renderOpenMetrics(report));
    const byName = new Map(families.map((f) => [f.name, f]));
    for (const family of families) {
      expect(family.name).toMatch(/^fastcgi_fetch_[a-z_]+$/);
      expect(family.help).not.toBe('');
      expect(['GAUGE', 'COUNTER']).toContain(family.type);
      expect(family.metrics).toHaveLength(1);
      expect(Number.isFinite(Number(family.metrics[0]!.value))).toBe(true);
      expect(family.name.endsWith('_total')).toBe(family.type === 'COUNTER');
    }
    expect(byName.get('fastcgi_fetch_requests_total')!.metrics[0]!.value).toBe('1200');
    expect(byName.get('fastcgi_fetch_listen_queue_length')!.metrics[0]!.value).toBe('511');
    // What the OS does not report is left out, not shown as 0.
    expect(byName.has('fastcgi_fetch_listen_queue')).toBe(false);
    expect(byName.get('fastcgi_fetch_max_children_reached_total')!.type).toBe('COUNTER');
  });

  it("shows a block per process with its requests in flight when full, as php-fpm's ?full", () => {
    const text = renderText(report, true);
    expect(text).toMatch(/^max children reached: +5$/m);
    expect(text).toMatch(/^listen queue: +unknown$/m);
    expect(text.split('************************')).toHaveLength(3);
    expect(text).toMatch(/pid: +11\nstate: +running\n[\s\S]*request: +GET http:\/\/example\.test\/slow\?x=1 \(1234 ms\)/);
    expect(renderText(report, false)).not.toContain('request:');
  });

  it('answers in the format asked for', async () => {
    const ask = (query: string, accept: string | null = null) => renderStatus(report, new URLSearchParams(query), accept, query.includes('full'));
    expect(ask('openmetrics').headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(ask('json').headers.get('content-type')).toMatch(/application\/json/);
    expect(ask('', 'application/json').headers.get('content-type')).toMatch(/application\/json/);
    expect(await ask('json&full').json()).toMatchObject({ processes: [{ pid: 11, currentRequests: [{ durationMs: 1234 }] }, { pid: 12 }] });
    expect(ask('').headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(ask('').headers.get('cache-control')).toBe('no-store');
  });
});
