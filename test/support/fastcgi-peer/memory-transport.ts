/**
 * The engine without sockets: an in-memory Transport and the wiring `serve()` uses
 * (Connection → handleRequest), so the in-process bench and the fuzzer run the real code path.
 */
import { Connection } from '../../src/engine/connection.js';
import { DEFAULT_LIMITS, RequestSlots, type EngineLimits } from '../../src/engine/limits.js';
import type { FastCGIRequest } from '../../src/engine/request.js';
import type { Transport } from '../../src/engine/transport.js';
import { handleRequest } from '../../src/fetch/handle-request.js';
import type { FetchHandler } from '../../src/types.js';

/** A transport whose output goes to a callback; `writeReturns` simulates a slow peer. */
export class MemoryTransport implements Transport {
  paused = false;
  ended = false;
  destroyed = false;
  /** What the next write returns: false makes the engine wait for `Connection.drained()`. */
  writeReturns: () => boolean = () => true;

  constructor(private readonly onOutput: (chunk: Uint8Array) => void) {}

  get closed(): boolean {
    return this.ended || this.destroyed;
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.closed) return false;
    for (const chunk of chunks) this.onOutput(chunk);
    return this.writeReturns();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    this.destroyed = true;
  }
}

export interface EngineOptions {
  fetch: FetchHandler;
  limits?: Partial<EngineLimits>;
  maxRequests?: number;
  onOutput?(chunk: Uint8Array): void;
  /** Every request the engine starts, as it starts. */
  onRequest?(request: FastCGIRequest, handled: Promise<void>): void;
  log?(line: string): void;
}

/** One connection of the real engine over a MemoryTransport. */
export interface MemoryEngine {
  readonly connection: Connection;
  readonly transport: MemoryTransport;
  /** Settles when every handler started so far has returned. */
  settled(): Promise<void>;
}

export function createMemoryEngine(options: EngineOptions): MemoryEngine {
  const limits: EngineLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const slots = new RequestSlots(options.maxRequests ?? 1024);
  const pending = new Set<Promise<unknown>>();
  const track = (promise: Promise<unknown>) => {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise)).catch(() => {});
  };
  const handlerOptions = {
    fetch: options.fetch,
    waitUntil: track,
    maxBodySize: limits.maxBodySize,
    log: options.log ?? (() => {}),
  };
  const transport = new MemoryTransport(options.onOutput ?? (() => {}));
  const connection = new Connection(transport, {
    limits,
    slots,
    onRequest(request) {
      const handled = handleRequest(request, handlerOptions) ?? Promise.resolve();
      track(handled);
      options.onRequest?.(request, handled);
    },
  });
  return {
    connection,
    transport,
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
