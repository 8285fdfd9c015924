import { DEFAULT_LIMITS, type EngineLimits } from '../engine/limits.js';
import type { ErrorHandler } from '../types.js';

/**
 * The limits and hooks of one application, whatever carries its connections. The limits
 * (`maxConnections` … `requestTimeout`) are documented on {@link EngineLimits}.
 */
export interface ApplicationOptions extends Partial<EngineLimits> {
  /**
   * Turns a failure into a response (it may return one instead of the 500); also told of
   * protocol errors, with no request.
   * @default none: a 500, with the error written to FCGI_STDERR and to `log`
   */
  onError?: ErrorHandler;
  /**
   * The application's own log (unhandled errors, closed connections), for a process whose
   * stderr goes nowhere useful.
   * @default stderr
   */
  log?(line: string): void;
  /**
   * Replace the global `Response` (only it) with a light one that builds the costly platform
   * object only when its body is needed (Node, Bun, Deno), and hand handlers light requests where
   * the platform's functions accept them (Node 20, 22, Deno, Bun). Both behave as the platform's; platform
   * responses still pass `instanceof Response`. Set false to keep the globals untouched and give
   * handlers the platform's Request.
   * @default true
   */
  overrideGlobalObjects?: boolean;
}

/** Options for `serve()`. Listen options are exclusive: `fd`, else `path`, else `port`. */
export interface ServeOptions extends ApplicationOptions {
  /**
   * TCP port. With no listen option: the sockets systemd passes ($LISTEN_FDS), else fd 0 if it
   * is a listening socket, else $FASTCGI_LISTEN, else this port.
   * @default 9000
   */
  port?: number;
  /**
   * TCP address to bind: loopback, because FastCGI should not face the internet.
   * @default '127.0.0.1'
   */
  hostname?: string;
  /**
   * Unix socket path, for a web server on the same host. A stale socket file is replaced; a
   * live one is an error.
   * @default none: listen on TCP
   */
  path?: string;
  /**
   * File mode of the Unix socket: owner and group may connect (the web server through its
   * group), as php-fpm.
   * @default 0o660
   */
  socketMode?: number;
  /**
   * Owner of the Unix socket, a user name or uid (php-fpm's listen.owner); only root may set it.
   * @default the process's user
   */
  socketOwner?: string | number;
  /**
   * Group of the Unix socket, a name or gid (php-fpm's listen.group), e.g. `'www-data'` so the
   * web server's workers may connect; a process that is not root must belong to that group.
   * @default the process's group
   */
  socketGroup?: string | number;
  /**
   * An inherited listening socket (e.g. 0, where web servers put it), or several as an array.
   * Array sockets are accepted on by each process itself, even a cluster worker, which must
   * then have inherited them under the same numbers.
   * @default none: with no listen option, the sockets systemd passes (socket activation, $LISTEN_FDS)
   */
  fd?: number | readonly number[];
  /**
   * Addresses allowed to connect over TCP, as FastCGI's FCGI_WEB_SERVER_ADDRS: others are closed at once.
   * @default $FCGI_WEB_SERVER_ADDRS (comma-separated), else all
   */
  webServerAddrs?: readonly string[];
  /**
   * How long `close()` lets in-flight requests run before aborting them, so a stop is never
   * held up for ever.
   * @default 10_000
   */
  closeTimeout?: number;
}

/**
 * What `serve()`, `createTestClient()` and the CLI use for each option left unset: the one place
 * these values are written (the limits come from the engine's {@link DEFAULT_LIMITS}). Each
 * option's `@default` TSDoc and docs/options.md are checked against it by test/options.test.ts.
 */
export const SERVE_DEFAULTS = Object.freeze({
  ...DEFAULT_LIMITS,
  overrideGlobalObjects: true,
  port: 9000,
  hostname: '127.0.0.1',
  socketMode: 0o660,
  closeTimeout: 10_000,
} satisfies { [K in keyof ServeOptions]?: NonNullable<ServeOptions[K]> });
