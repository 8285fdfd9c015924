import { nativeSocketApi } from '../net/runtime-sockets.js';
import { nodeConnector, type ClientAddress } from './node-connector.js';
import type { Connector } from './connector-types.js';

export type { ClientAddress } from './node-connector.js';

/**
 * Connects over TCP or a Unix socket with the runtime's own sockets on Bun and Deno, node:net
 * elsewhere (or everywhere with FASTCGI_FETCH_TRANSPORT=node:net).
 */
export function socketConnector(address: ClientAddress): Connector {
  const api = nativeSocketApi();
  if (api === undefined) return nodeConnector(address);
  const where = 'path' in address ? { path: address.path } : { host: address.host ?? '127.0.0.1', port: address.port };
  return (peer) => api.connect(where, peer);
}
