/**
 * fastcgi-fetch/adapters/itty: types and a helper for itty-router apps served by fastcgi-fetch.
 * Only types are imported from itty-router: no runtime dependency.
 * @module
 */
import type { IRequest } from 'itty-router';
import type { ExecutionContext, FastCGIContext } from '../src/index.js';
import { remoteInfo, type RemoteInfo } from './conn-info.js';

/**
 * The extra arguments fastcgi-fetch passes after the request; give them to the router so
 * handlers are typed: `AutoRouter<IRequest, FastCGIArgs>()`.
 */
export type FastCGIArgs = [context: FastCGIContext, executionContext: ExecutionContext];

/** The client's address from the FastCGI context (REMOTE_ADDR, REMOTE_PORT). */
export function getConnInfo(context: FastCGIContext): { remote: RemoteInfo } {
  return { remote: remoteInfo(context) };
}

/** A request after {@link withConnInfo}: `request.remote` holds the client's address. */
export type FastCGIRequest = IRequest & { remote: RemoteInfo };

/**
 * itty middleware (for `before` or a route) that sets `request.remote` from the FastCGI
 * context, so handlers need not take the context argument.
 */
export function withConnInfo(request: IRequest, context: FastCGIContext): void {
  request.remote = remoteInfo(context);
}

export type { ExecutionContext, FastCGIContext, RemoteInfo };
