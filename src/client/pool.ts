import { MAX_REQS, MPXS_CONNS } from '../protocol/index.js';
import { ClientConnection } from './connection.js';
import { FastCGIConnectionError, FastCGITimeoutError } from './client-errors.js';
import type { Connector } from './connector-types.js';

export interface PoolOptions {
  keepConn: boolean;
  multiplex: boolean | 'auto';
  maxConnections: number;
  maxRequestsPerConnection: number;
  connectTimeout: number;
  idleTimeout: number;
}

/** How many requests one connection takes, once known. */
interface Mode {
  multiplex: boolean;
  perConnection: number;
}

/** Connections counted since the pool was made. */
export interface PoolStats {
  /** Connections open now. */
  open: number;
  /** Connections opened in all (the GET_VALUES probe included). */
  opened: number;
  /** Requests running now. */
  active: number;
}

/**
 * The client's connections: opens them through the connector, finds one with room for a
 * request (one request each unless the application multiplexes), queues callers when all are
 * busy, and closes idle ones.
 */
export class ConnectionPool {
  readonly #connector: Connector;
  readonly #options: PoolOptions;
  readonly #connections = new Set<ClientConnection>();
  readonly #idleTimers = new Map<ClientConnection, ReturnType<typeof setTimeout>>();
  #waiters: Array<() => void> = [];
  #opening = 0;
  /** A multiplexed connection being opened: callers wait for it rather than open more. */
  #pendingOpen: Promise<unknown> | undefined;
  #opened = 0;
  #mode: Promise<Mode> | undefined;
  #closing = false;
  #emptied: (() => void) | undefined;

  constructor(connector: Connector, options: PoolOptions) {
    this.#connector = connector;
    this.#options = options;
  }

  get stats(): PoolStats {
    let active = 0;
    for (const connection of this.#connections) active += connection.load;
    return { open: this.#connections.size, opened: this.#opened, active };
  }

  /** A connection with a place reserved for one request (call `begin` or `unreserve` on it). */
  async acquire(signal: AbortSignal): Promise<ClientConnection> {
    const mode = await this.#resolveMode();
    for (;;) {
      if (this.#closing) throw new FastCGIConnectionError('the client is closed');
      signal.throwIfAborted();
      for (const connection of this.#connections) {
        if (!connection.spent && !connection.isClosed && connection.load < mode.perConnection) {
          this.#clearIdle(connection);
          connection.reserve();
          return connection;
        }
      }
      if (mode.multiplex && this.#pendingOpen !== undefined) {
        await this.#pendingOpen.catch(() => {});
        continue;
      }
      if (this.#connections.size + this.#opening < this.#options.maxConnections) {
        if (!mode.multiplex) return this.#open(false, true);
        const opening = this.#open(true, true);
        this.#pendingOpen = opening;
        void opening
          .catch(() => {})
          .finally(() => {
            if (this.#pendingOpen === opening) this.#pendingOpen = undefined;
          });
        return opening;
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        this.#waiters.push(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }

  /** A connection outside the pool, for management records; the caller closes it. */
  openDetached(): Promise<ClientConnection> {
    return this.#connect(false);
  }

  /** No new requests; resolves once every connection has closed (at once with `force`). */
  async close(force: boolean): Promise<void> {
    this.#closing = true;
    this.#wake();
    for (const connection of this.#connections) {
      if (force) connection.destroy();
      else if (connection.load === 0) connection.end();
    }
    if (this.#connections.size === 0) return;
    await new Promise<void>((resolve) => (this.#emptied = resolve));
  }

  // internals

  #resolveMode(): Promise<Mode> {
    this.#mode ??= this.#probe().catch((error: unknown) => {
      this.#mode = undefined;
      throw error;
    });
    return this.#mode;
  }

  /** Asks the application once whether it multiplexes (FCGI_MPXS_CONNS) unless told. */
  async #probe(): Promise<Mode> {
    const { multiplex, keepConn, maxRequestsPerConnection } = this.#options;
    if (!keepConn || multiplex === false) return { multiplex: false, perConnection: 1 };
    if (multiplex === true) return { multiplex: true, perConnection: maxRequestsPerConnection };
    const connection = await this.#open(false, false);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const values = await Promise.race([
      connection.getValues([MPXS_CONNS, MAX_REQS]),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), this.#options.connectTimeout))),
    ]);
    clearTimeout(timer);
    const yes = values?.[MPXS_CONNS] === '1';
    const maxReqs = Number(values?.[MAX_REQS]);
    const mode: Mode = {
      multiplex: yes,
      perConnection: yes ? Math.max(1, Math.min(maxRequestsPerConnection, maxReqs > 0 ? maxReqs : Infinity)) : 1,
    };
    // php-fpm closes the connection after GET_VALUES: only a multiplexing application keeps it.
    if (yes && !connection.isClosed) {
      connection.multiplexed = true;
      this.#startIdle(connection);
    } else connection.end();
    return mode;
  }

  async #open(multiplexed: boolean, reserve: boolean): Promise<ClientConnection> {
    this.#opening++;
    let connection: ClientConnection;
    try {
      connection = await this.#connect(true);
    } finally {
      this.#opening--;
    }
    this.#opened++;
    connection.multiplexed = multiplexed;
    if (reserve) connection.reserve();
    this.#connections.add(connection);
    if (this.#closing) {
      connection.destroy();
      throw new FastCGIConnectionError('the client is closed');
    }
    return connection;
  }

  /** Opens a transport within `connectTimeout`; a late one is closed. */
  async #connect(pooled: boolean): Promise<ClientConnection> {
    const connection = new ClientConnection({
      freed: (c) => {
        if (pooled) this.#freed(c);
      },
      closed: (c) => {
        if (pooled) this.#closed(c);
      },
    });
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new FastCGITimeoutError(`could not connect within ${this.#options.connectTimeout} ms`));
      }, this.#options.connectTimeout);
    });
    const opening = this.#connector(connection).then(
      (transport) => {
        if (timedOut) transport.destroy();
        return transport;
      },
      (error: unknown) => {
        throw new FastCGIConnectionError(`cannot connect to the FastCGI application: ${(error as Error)?.message ?? error}`, {
          cause: error,
        });
      },
    );
    try {
      connection.attach(await Promise.race([opening, timeout]));
    } finally {
      clearTimeout(timer);
    }
    return connection;
  }

  #freed(connection: ClientConnection): void {
    if (connection.load === 0) {
      if (!this.#options.keepConn || this.#closing) connection.end();
      else this.#startIdle(connection);
    }
    this.#wake();
  }

  #closed(connection: ClientConnection): void {
    this.#clearIdle(connection);
    this.#connections.delete(connection);
    this.#wake();
    if (this.#closing && this.#connections.size === 0) this.#emptied?.();
  }

  #startIdle(connection: ClientConnection): void {
    this.#clearIdle(connection);
    const timer = setTimeout(() => {
      this.#idleTimers.delete(connection);
      if (connection.load === 0) connection.end();
    }, this.#options.idleTimeout);
    timer.unref?.();
    this.#idleTimers.set(connection, timer);
  }

  #clearIdle(connection: ClientConnection): void {
    const timer = this.#idleTimers.get(connection);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#idleTimers.delete(connection);
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
