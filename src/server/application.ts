import { Connection } from '../engine/connection.js';
import { ConnectionGate } from '../engine/connection-gate.js';
import { DEFAULT_LIMITS, type EngineLimits } from '../engine/limits.js';
import { RequestGate } from '../engine/request-gate.js';
import type { Transport } from '../engine/transport.js';
import { installFastGlobals, lightRequests } from '../fetch/fast-globals.js';
import { handleRequest, type RequestHandlerOptions } from '../fetch/handle-request.js';
import { toHandler } from '../fetch/to-handler.js';
import type { App } from '../types.js';
import { SERVE_DEFAULTS, type ApplicationOptions } from './options.js';
import { WorkTracker } from './work-tracker.js';

/** A fetch app ready to run the FastCGI engine over any number of transports. */
export interface Application {
  /**
   * Makes room for one more connection under `maxConnections`, closing the connection idle
   * longest if need be; false when every connection has a request in flight (refuse it).
   */
  admit(): boolean;
  /** Runs the engine over one connection. */
  attach(transport: Transport): Connection;
  /** Resolves once every handler and every `waitUntil` promise so far has settled. */
  settled(): Promise<void>;
  readonly limits: EngineLimits;
  readonly activeRequests: number;
  readonly totalRequests: number;
  /** Requests refused with OVERLOADED because `maxRequests` were in flight. */
  readonly refusedRequests: number;
}

function stderrLine(line: string): void {
  console.error(line);
}

/** Each engine limit: the option when set, else its default. */
function limitsOf(options: ApplicationOptions): EngineLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(limits) as (keyof EngineLimits)[]) limits[key] = options[key] ?? limits[key];
  return limits;
}

/** Wires a fetch app to the engine: limits, concurrency shared by all connections, error reports. */
export function createApplication(app: App, options: ApplicationOptions = {}): Application {
  const light = (options.overrideGlobalObjects ?? SERVE_DEFAULTS.overrideGlobalObjects) && installFastGlobals();
  const limits = limitsOf(options);
  const requestGate = new RequestGate(limits.maxRequests);
  const connections = new ConnectionGate(limits.maxConnections);
  const work = new WorkTracker();
  const log = options.log ?? stderrLine;
  const handlerOptions: RequestHandlerOptions = {
    fetch: toHandler(app),
    onError: options.onError,
    waitUntil: (promise) => work.track(promise),
    maxBodySize: limits.maxBodySize,
    log,
    lightRequests: light && lightRequests(),
  };
  let totalRequests = 0;
  return {
    admit: () => connections.admit(),
    attach(transport) {
      return new Connection(transport, {
        limits,
        requestGate,
        connections,
        onRequest: (request) => {
          totalRequests++;
          const pending = handleRequest(request, handlerOptions);
          if (pending !== undefined) work.track(pending);
        },
        onError: (error) => {
          log(`fastcgi-fetch: closing a connection: ${error.message}`);
          try {
            void Promise.resolve(options.onError?.(error, undefined)).catch(() => {});
          } catch {
            // onError's own failure must not take the application down.
          }
        },
      });
    },
    settled: () => work.settled(),
    limits,
    get activeRequests() {
      return requestGate.active;
    },
    get totalRequests() {
      return totalRequests;
    },
    get refusedRequests() {
      return requestGate.refused;
    },
  };
}
