/**
 * fastcgi-fetch/testing: run a fetch app through the whole FastCGI protocol in memory — no
 * sockets, no web server — and look at the response a web server would get.
 * @module
 */
export { createTestClient, type TestClient, type TestClientOptions } from './testing/test-client.js';
export type { ApplicationOptions } from './server/options.js';
export type { PipeOptions } from './testing/memory-pipe.js';
export type { ClientOptions, ClientRequestInit, Completion, FastCGIClient, FastCGIResult, PoolStats } from './client/client.js';
export { FastCGIConnectionError, FastCGIRejectedError, FastCGIResponseAbortedError, FastCGITimeoutError } from './client/client-errors.js';
