/**
 * fastcgi-fetch/client: speak FastCGI from the web server's side — send a `Request` to php-fpm
 * or any FastCGI application and get a `Response` back.
 * @module
 */
import { createClientOver, type ClientOptions, type FastCGIClient } from './client/client.js';
import { socketConnector, type ClientAddress } from './client/socket-connector.js';

export type { ClientOptions, ClientRequestInit, Completion, FastCGIClient, FastCGIResult, PoolStats } from './client/client.js';
export type { ClientAddress } from './client/socket-connector.js';
export type { ParamsOptions } from './client/params.js';
export type { Connector, Transport, TransportPeer } from './client/connector-types.js';
export { FastCGIConnectionError, FastCGIRejectedError, FastCGIResponseAbortedError, FastCGITimeoutError, type RejectReason } from './client/client-errors.js';
export { FastCGIProtocolError } from './protocol/protocol-error.js';
export { createClientOver } from './client/client.js';

/**
 * A FastCGI client for an application listening on a Unix socket (`{ path }`) or TCP
 * (`{ host, port }`).
 *
 * @example
 * const php = createClient({ path: '/run/php/php8.2-fpm.sock' }, { documentRoot: '/var/www' });
 * const response = await php.fetch('http://example.com/index.php?x=1');
 */
export function createClient(address: ClientAddress, options?: ClientOptions): FastCGIClient {
  return createClientOver(socketConnector(address), options);
}
