import { Connection } from '../engine/connection.js';
import { DEFAULT_LIMITS, RequestSlots, type EngineLimits } from '../engine/limits.js';
import type { Transport } from '../engine/transport.js';
import { handleRequest } from '../fetch/handle-request.js';
import { WorkTracker } from '../server/work-tracker.js';
import type { App, ErrorHandler, FetchHandler } from '../types.js';

/** The application side of `createTestClient`: the limits and hooks `serve()` takes. */
export interface ApplicationOptions {
  /** FCGI_MAX_REQS over all connections; more get OVERLOADED. Default 1024. */
  maxRequests?: number;
  /** Default 100 MiB; more is answered 413. */
  maxBodySize?: number;
  maxParamsBytes?: number;
  bodyHighWaterMark?: number;
  /** As `serve({ onError })`. */
  onError?: ErrorHandler;
  /** The application's own stderr (unhandled errors); default `console.error`. */
  log?(line: string): void;
}

/** A fetch app served over any transport, wired as `serve()` wires it over sockets. */
export interface Application {
  /** Runs the engine over one connection. */
  attach(transport: Transport): Connection;
  /** Resolves once every handler and every `waitUntil` promise has settled. */
  settled(): Promise<void>;
  readonly activeRequests: number;
}

function toHandler(app: App): FetchHandler {
  if (typeof app === 'function') return app;
  if (app && typeof app.fetch === 'function') return app.fetch.bind(app) as FetchHandler;
  throw new TypeError('createTestClient() needs a fetch handler: a function, or an object with a fetch method');
}

// Mirrors serve()'s wiring (src/server/serve.ts) without the listener; see the report for the
// proposal to share one factory between the two.
export function createApplication(app: App, options: ApplicationOptions = {}): Application {
  const fetch = toHandler(app);
  const limits: EngineLimits = {
    ...DEFAULT_LIMITS,
    maxParamsBytes: options.maxParamsBytes ?? DEFAULT_LIMITS.maxParamsBytes,
    maxBodySize: options.maxBodySize ?? DEFAULT_LIMITS.maxBodySize,
    bodyHighWaterMark: options.bodyHighWaterMark ?? DEFAULT_LIMITS.bodyHighWaterMark,
  };
  const slots = new RequestSlots(options.maxRequests ?? 1024);
  const work = new WorkTracker();
  const log = options.log ?? ((line: string) => console.error(line));
  const handlerOptions = {
    fetch,
    onError: options.onError,
    waitUntil: (promise: Promise<unknown>) => work.track(promise),
    maxBodySize: limits.maxBodySize,
    log,
  };
  return {
    attach(transport) {
      return new Connection(transport, {
        limits,
        slots,
        onRequest: (request) => work.track(handleRequest(request, handlerOptions)),
        onError: (error) => {
          log(`fastcgi-fetch: closing a connection: ${error.message}`);
          try {
            void Promise.resolve(options.onError?.(error, undefined)).catch(() => {});
          } catch {
            // onError's own failure must not break the test client.
          }
        },
      });
    },
    settled: () => work.settled(),
    get activeRequests() {
      return slots.active;
    },
  };
}
