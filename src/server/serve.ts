import cluster from 'node:cluster';
import { createServer, type Server } from 'node:net';
import type { Connection } from '../engine/connection.js';
import type { App, FetchHandler } from '../types.js';
import { runCgi } from '../cgi/run-cgi.js';
import { createApplication } from './application.js';
import { SERVE_DEFAULTS, type ServeOptions } from './options.js';
import { resolveTarget, type ListenTarget } from './listen-target.js';
import { listenOnOwnFd } from './listen-own-fd.js';
import { attachSocket } from './socket-connection.js';
import { listenNatively, type AcceptedSocket, type NativeListener } from '../net/listener.js';
import { UnorderedList, type ListMember } from '../engine/unordered-list.js';
import { applySocketAccess, clearStaleSocket, resolveSocketAccess } from './unix-socket.js';

/** `serve({ fetch, ...options })`: the Bun/Deno/srvx shape. */
export interface ServeOptionsWithFetch extends ServeOptions {
  fetch: FetchHandler;
}

/** Where a server listens, once it does. */
export type ServerAddress =
  | { type: 'tcp'; host: string; port: number }
  | { type: 'unix'; path: string }
  | { type: 'fd'; fd: number }
  /** Inherited sockets, e.g. from systemd's socket activation. */
  | { type: 'fds'; fds: readonly number[] }
  /** Started as a CGI program: the one request in the environment and on stdin. */
  | { type: 'cgi' };

/** A running FastCGI server. */
export interface FastCGIServer {
  /** Resolves once listening; rejects if listening failed (port in use, bad path...). */
  ready(): Promise<FastCGIServer>;
  /**
   * Stops accepting, lets in-flight requests finish (aborting them after `timeout` ms), closes
   * idle connections and waits for `waitUntil` work.
   */
  close(options?: { timeout?: number }): Promise<void>;
  /** Undefined until `ready()` resolves. */
  readonly address: ServerAddress | undefined;
  /** Requests in flight now. */
  readonly activeRequests: number;
  /** Requests started since the server began. */
  readonly totalRequests: number;
  /** FastCGI connections open now. */
  readonly connections: number;
  /** Connections accepted since the server began. */
  readonly totalConnections: number;
  /** Requests refused with OVERLOADED because `maxRequests` were in flight. */
  readonly refusedRequests: number;
}

/** An accepted socket and the engine connection over it. */
interface OpenConnection extends ListMember {
  readonly socket: AcceptedSocket;
  readonly connection: Connection;
}

function isOptionsObject(value: unknown): value is ServeOptionsWithFetch {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function normalizeAddress(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:/, '');
}

/**
 * Serves a fetch handler (a function, a Hono app, an itty router, `{ fetch }`) over FastCGI.
 *
 * @example serve(app, { path: '/run/app.sock' })
 * @example serve({ fetch: app.fetch, port: 9000 })
 */
export function serve(options: ServeOptionsWithFetch): FastCGIServer;
export function serve(app: App, options?: ServeOptions): FastCGIServer;
export function serve(appOrOptions: App | ServeOptionsWithFetch, maybeOptions?: ServeOptions): FastCGIServer {
  const options: ServeOptions = maybeOptions ?? (isOptionsObject(appOrOptions) ? appOrOptions : {});
  const app: App = maybeOptions === undefined && isOptionsObject(appOrOptions) ? appOrOptions.fetch : (appOrOptions as App);
  let resolved: ListenTarget | Error;
  try {
    resolved = resolveTarget(options);
  } catch (error) {
    resolved = error as Error;
  }
  if (!(resolved instanceof Error) && resolved.kind === 'cgi') return serveCgi(app, options);

  const application = createApplication(app, { log, ...options });
  const allowed =
    options.webServerAddrs ??
    (process.env.FCGI_WEB_SERVER_ADDRS ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
  const allowList = allowed.length > 0 ? new Set(allowed.map(normalizeAddress)) : undefined;
  const connections = new UnorderedList<OpenConnection>();
  let totalConnections = 0;
  let lastRefusal = 0;
  // One line now and then, not one per connection of a flood.
  const refused = () => {
    const now = Date.now();
    if (now - lastRefusal < 10_000) return;
    lastRefusal = now;
    (options.log ?? log)(`fastcgi-fetch: refusing connections: all ${application.limits.maxConnections} (maxConnections) have a request in flight`);
  };

  const server: Server = createServer({ noDelay: true }, (socket: AcceptedSocket) => {
    if (allowList && socket.remoteFamily !== undefined && !allowList.has(normalizeAddress(socket.remoteAddress))) {
      log(`fastcgi-fetch: refused a connection from ${socket.remoteAddress}: not in FCGI_WEB_SERVER_ADDRS`);
      socket.destroy();
      return;
    }
    if (!application.admit()) {
      refused();
      socket.destroy();
      return;
    }
    const open: OpenConnection = { socket, connection: attachSocket(socket, application), listIndex: -1 };
    connections.add(open);
    totalConnections++;
    socket.once('close', () => connections.remove(open));
  });
  /** Servers for the 2nd, 3rd... inherited socket: their connections go to `server`'s listener. */
  const extraServers: Server[] = [];
  /** Bun's or Deno's own listener for a TCP or Unix target: its connections go to `server`'s listener too. */
  let native: NativeListener | undefined;
  const listen = (target: { port: number; host: string } | { path: string }, done: () => void) => {
    native = listenNatively(server, target);
    if (native !== undefined) done();
    else server.listen(target, done);
  };

  let address: ServerAddress | undefined;
  const listening = (async () => {
    if (resolved instanceof Error) throw resolved;
    const target = resolved;
    const access =
      target.kind === 'unix'
        ? resolveSocketAccess({ mode: options.socketMode ?? SERVE_DEFAULTS.socketMode, owner: options.socketOwner, group: options.socketGroup })
        : undefined;
    // A cluster worker listens on the primary's socket, which is live by design.
    if (target.kind === 'unix' && !cluster.isWorker) await clearStaleSocket(target.path);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (target.kind === 'tcp') listen({ port: target.port, host: target.host }, resolve);
      else if (target.kind === 'fd') server.listen({ fd: target.fd }, resolve);
      else if (target.kind === 'fds') {
        if (target.fds.length === 0) throw new TypeError('fd: an empty list of sockets');
        listenOnOwnFd(server, target.fds[0]!, resolve);
      } else if (target.kind === 'unix') {
        // Bind under a strict umask: the socket must never exist, even briefly, wider than asked.
        const umask = cluster.isWorker ? undefined : process.umask(0o177);
        try {
          listen({ path: target.path }, resolve);
        } finally {
          if (umask !== undefined) process.umask(umask);
        }
      }
    });
    if (target.kind === 'fds') {
      for (const fd of target.fds.slice(1)) {
        const extra = createServer({ noDelay: true }, (socket) => server.emit('connection', socket));
        extraServers.push(extra);
        await new Promise<void>((resolve, reject) => {
          extra.once('error', reject);
          listenOnOwnFd(extra, fd, resolve);
        });
      }
    }
    server.on('error', (error) => log(`fastcgi-fetch: server error: ${error.message}`));
    if (target.kind === 'unix') {
      // In a cluster the primary bound the socket (under its umask); each worker sets it again.
      try {
        await applySocketAccess(target.path, access!);
      } catch (error) {
        server.close();
        void native?.close();
        throw error;
      }
      address = { type: 'unix', path: target.path };
    } else if (target.kind === 'fd') {
      address = { type: 'fd', fd: target.fd };
    } else if (target.kind === 'fds') {
      address = { type: 'fds', fds: target.fds };
    } else {
      const info = native?.address ?? server.address();
      address = typeof info === 'object' && info ? { type: 'tcp', host: 'host' in info ? info.host : info.address, port: info.port } : undefined;
    }
  })();
  // Unobserved failures still surface through ready().
  listening.catch(() => {});

  /**
   * Closes the listeners, once listening has settled; resolves when every connection they
   * accepted has ended.
   */
  let unlistened: Promise<void> | undefined;
  const closeListeners = () =>
    (unlistened ??= Promise.all(
      [server, ...extraServers].map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))),
    ).then(() => native?.close()));
  let closing: Promise<void> | undefined;
  const handle: FastCGIServer = {
    async ready() {
      await listening;
      return handle;
    },
    close({ timeout = options.closeTimeout ?? SERVE_DEFAULTS.closeTimeout } = {}) {
      closing ??= (async () => {
        await listening.catch(() => {});
        const stopped = closeListeners();
        for (const { connection } of connections.snapshot()) connection.drain();
        const timer = setTimeout(() => {
          const reason = new DOMException('The server is shutting down', 'AbortError');
          for (const { connection } of connections.snapshot()) connection.abortAll(reason);
          for (const { socket } of connections.snapshot()) socket.destroy();
        }, timeout);
        await stopped;
        clearTimeout(timer);
        // Handlers that ignore the abort and waitUntil work get the same bound once more.
        let bound: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([application.settled(), new Promise((resolve) => (bound = setTimeout(resolve, timeout)))]);
        clearTimeout(bound);
      })();
      return closing;
    },
    get address() {
      return address;
    },
    get activeRequests() {
      return application.activeRequests;
    },
    get totalRequests() {
      return application.totalRequests;
    },
    get connections() {
      return connections.size;
    },
    get totalConnections() {
      return totalConnections;
    },
    get refusedRequests() {
      return application.refusedRequests;
    },
  };
  stoppers.set(handle, () => void listening.catch(() => {}).then(closeListeners));
  return handle;
}

const stoppers = new WeakMap<FastCGIServer, () => void>();

/**
 * Closes the listening sockets of a server from {@link serve} and nothing else: its connections
 * keep serving until `close()` drains them. In a node:cluster worker this tells the primary to
 * hand new connections to the other workers. Not public: the CLI's workers leave the rotation
 * with it before they drain.
 */
export function stopAccepting(server: FastCGIServer): void {
  stoppers.get(server)?.();
}

/**
 * Started as a plain CGI program (GATEWAY_INTERFACE set, no listening socket on fd 0): answers
 * the one request of this process from the environment and stdin, on stdout.
 */
function serveCgi(app: App, options: ServeOptions): FastCGIServer {
  let active = 1;
  const done = runCgi(app, { maxBodySize: options.maxBodySize, onError: options.onError }).finally(() => (active = 0));
  const handle: FastCGIServer = {
    ready: () => Promise.resolve(handle),
    close: () => done,
    address: { type: 'cgi' },
    get activeRequests() {
      return active;
    },
    totalRequests: 1,
    connections: 0,
    totalConnections: 0,
    refusedRequests: 0,
  };
  return handle;
}
