/**
 * fastcgi-fetch: run a standard fetch handler as a FastCGI application.
 * @module
 */
export { serve } from './server/serve.js';
export type { FastCGIServer, ServeOptionsWithFetch, ServerAddress } from './server/serve.js';
export type { ServeOptions } from './server/options.js';
export { LISTEN_ENV } from './server/listen-target.js';
export { BodyIncompleteError, BodyTimeoutError, BodyTooLargeError } from './engine/input-stream.js';
export { FastCGIProtocolError } from './protocol/protocol-error.js';
export type {
  App,
  ErrorHandler,
  ExecutionContext,
  FastCGIContext,
  FastCGIRole,
  FetchApp,
  FetchHandler,
  ServerAdapterRequestHandler,
} from './types.js';
