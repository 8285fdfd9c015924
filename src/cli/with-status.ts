import { toHandler } from '../fetch/to-handler.js';
import type { App, FetchHandler } from '../types.js';
import { POOL_DEFAULTS } from './pool-options.js';
import type { Counters, StatusReport } from './status.js';
import { renderStatus } from './status-format.js';

/** Paths the server answers itself, before the app. */
export interface ServerPaths {
  readonly statusPath?: string | undefined;
  readonly pingPath?: string | undefined;
  readonly pingResponse?: string | undefined;
}

/** `url`'s path is `path` (a substring test first: no URL is parsed for the app's requests). */
function isPath(url: string, path: string | undefined): URL | undefined {
  if (path === undefined || !url.includes(path)) return undefined;
  const parsed = new URL(url);
  return parsed.pathname === path ? parsed : undefined;
}

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * Wraps the app: counts requests, and answers the status path and the ping path (when given)
 * before the app does. `report` gathers the numbers, over IPC when workers share the load;
 * `full` asks for every process's requests in flight.
 */
export function withStatus(app: App, counters: Counters, paths: ServerPaths, report: (full: boolean) => Promise<StatusReport>): FetchHandler {
  const fetch = toHandler(app);
  const { statusPath, pingPath, pingResponse = POOL_DEFAULTS.pingResponse } = paths;
  return async (request, context, executionContext) => {
    const entry = counters.begin(request);
    try {
      const status = isPath(request.url, statusPath);
      if (status !== undefined) {
        const full = status.searchParams.has('full');
        return renderStatus(await report(full), status.searchParams, request.headers.get('accept'), full);
      }
      if (isPath(request.url, pingPath) !== undefined) {
        return new Response(pingResponse, { headers: { ...NO_STORE, 'content-type': 'text/plain; charset=utf-8' } });
      }
      return await fetch(request, context, executionContext);
    } finally {
      counters.end(entry);
    }
  };
}
