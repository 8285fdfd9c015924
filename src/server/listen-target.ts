import { readFileSync, readlinkSync, fstatSync } from 'node:fs';
import { isCgiEnvironment } from '../cgi/environment.js';
import { SERVE_DEFAULTS } from './options.js';
import { takePassedSockets } from './systemd-sockets.js';

/** Where a server listens. */
export type ListenTarget =
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'unix'; path: string }
  | { kind: 'fd'; fd: number }
  /** Inherited listening sockets each process accepts on itself (systemd's socket activation). */
  | { kind: 'fds'; fds: readonly number[]; names: readonly string[] }
  /** Started as a plain CGI program: one request from the environment and stdin. */
  | { kind: 'cgi' };

/** The environment variable read when no listen option is given and fd 0 is not a listening socket. */
export const LISTEN_ENV = 'FASTCGI_LISTEN';

/**
 * Parses a listen address: `host:port`, `[v6]:port`, `:port` or a bare port (on 127.0.0.1), or a
 * Unix socket path (anything containing "/", optionally prefixed `unix:`).
 */
export function parseListen(text: string): ListenTarget {
  const value = text.trim();
  if (value.startsWith('unix:')) return { kind: 'unix', path: value.slice(5) };
  if (value.includes('/')) return { kind: 'unix', path: value };
  const match = /^(?:(?:\[([^\]]+)\]|([^:]*)):)?(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65535) {
    throw new TypeError(`cannot parse listen address ${JSON.stringify(text)}: use host:port, :port or /path/to.sock`);
  }
  return { kind: 'tcp', host: match[1] ?? (match[2] || SERVE_DEFAULTS.hostname), port };
}

/**
 * True when `fd` is a listening socket: what a web server leaves on fd 0 when it spawns a
 * FastCGI app (FCGI_LISTENSOCK_FILENO). Node has no getpeername on a raw fd, so on Linux this
 * reads the socket's state from /proc; elsewhere a socket on fd 0 outside CGI counts.
 */
export function isListeningSocket(fd: number): boolean {
  let isSocket: boolean;
  try {
    isSocket = fstatSync(fd).isSocket();
  } catch {
    return false;
  }
  if (!isSocket) return false;
  let inode: string | undefined;
  try {
    inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
  } catch {
    return process.env.GATEWAY_INTERFACE === undefined;
  }
  if (inode === undefined) return false;
  return listeningInodes().has(inode);
}

function listeningInodes(): Set<string> {
  const inodes = new Set<string>();
  const read = (file: string) => {
    try {
      return readFileSync(file, 'latin1').split('\n').slice(1);
    } catch {
      return [];
    }
  };
  // /proc/net/unix: Num RefCount Protocol Flags Type St Inode Path; Flags has __SO_ACCEPTCON.
  for (const line of read('/proc/net/unix')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 7 && (parseInt(cols[3]!, 16) & 0x10000) !== 0) inodes.add(cols[6]!);
  }
  // /proc/net/tcp{,6}: sl local rem st ... inode (column 9); st 0A is LISTEN.
  for (const line of [...read('/proc/net/tcp'), ...read('/proc/net/tcp6')]) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 10 && cols[3] === '0A') inodes.add(cols[9]!);
  }
  return inodes;
}

export interface ListenOptions {
  port?: number | undefined;
  hostname?: string | undefined;
  path?: string | undefined;
  fd?: number | readonly number[] | undefined;
}

/**
 * Picks the listen target: an explicit option, else the sockets systemd passed ($LISTEN_FDS, taken
 * out of `env`), else fd 0 when the web server spawned us with a listening socket there, else CGI
 * when started as a CGI program (GATEWAY_INTERFACE), else $FASTCGI_LISTEN, else 127.0.0.1:9000.
 */
export function resolveTarget(options: ListenOptions, env: Record<string, string | undefined> = process.env): ListenTarget {
  if (typeof options.fd === 'number') return { kind: 'fd', fd: options.fd };
  if (options.fd !== undefined) return { kind: 'fds', fds: [...options.fd], names: [] };
  if (options.path !== undefined) return { kind: 'unix', path: options.path };
  if (options.port !== undefined) return { kind: 'tcp', host: options.hostname ?? SERVE_DEFAULTS.hostname, port: options.port };
  const passed = takePassedSockets(env);
  if (passed) return { kind: 'fds', ...passed };
  if (isListeningSocket(0)) return { kind: 'fd', fd: 0 };
  // After the fd 0 check: mod_fcgid starts FastCGI apps with a CGI-looking environment too.
  if (isCgiEnvironment(env)) return { kind: 'cgi' };
  const fromEnv = env[LISTEN_ENV];
  if (fromEnv) return parseListen(fromEnv);
  return { kind: 'tcp', host: options.hostname ?? SERVE_DEFAULTS.hostname, port: SERVE_DEFAULTS.port };
}
