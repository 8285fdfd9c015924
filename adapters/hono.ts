/**
 * fastcgi-fetch/adapters/hono: Hono's `getConnInfo` and typed bindings for apps served by
 * fastcgi-fetch. Only types are imported from Hono: no runtime dependency.
 * @module
 */
import type { Context } from 'hono';
import type { ConnInfo } from 'hono/conninfo';
import type { FastCGIContext } from '../src/index.js';
import { remoteInfo } from './conn-info.js';

/**
 * Hono `Env` for an app served by fastcgi-fetch: `c.env` is the {@link FastCGIContext}.
 *
 * @example const app = new Hono<FastCGIEnv>(); app.get('/', (c) => c.text(c.env.remoteAddress ?? ''));
 */
export interface FastCGIEnv {
  Bindings: FastCGIContext;
}

/**
 * The client's address, as Hono's `getConnInfo` helpers return it, from the CGI params the web
 * server sent (REMOTE_ADDR, REMOTE_PORT).
 */
export function getConnInfo(c: Context): ConnInfo {
  return { remote: remoteInfo(c.env as FastCGIContext) };
}

export type { FastCGIContext };
