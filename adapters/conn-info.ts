import type { FastCGIContext } from '../src/index.js';

/** The browser's address as the web server saw it (REMOTE_ADDR / REMOTE_PORT). */
export interface RemoteInfo {
  address?: string;
  port?: number;
  /** Guessed from the address's shape; undefined when there is none (e.g. a Unix socket client). */
  addressType?: 'IPv4' | 'IPv6' | undefined;
  transport?: 'tcp';
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** Reads the client address out of the FastCGI context. */
export function remoteInfo(context: FastCGIContext): RemoteInfo {
  const address = context.remoteAddress || undefined;
  const addressType = address === undefined ? undefined : IPV4.test(address) ? 'IPv4' : address.includes(':') ? 'IPv6' : undefined;
  const info: RemoteInfo = { transport: 'tcp', addressType };
  if (address !== undefined) info.address = address;
  if (context.remotePort !== undefined) info.port = context.remotePort;
  return info;
}
