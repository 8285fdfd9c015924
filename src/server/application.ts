import { Connection } from '../engine/connection.js';
import { ConnectionGate } from '../engine/connection-gate.js';
import { DEFAULT_LIMITS, type EngineLimits } from '../engine/limits.js';
import { RequestGate } from '../engine/request-gate.js';
import type { Transport } from '../engine/transport.js';
import { installFastGlobals, lightRequests } from '../fetch/fast-globals.js';
import { handleRequest, type RequestHandlerOptions } from '../fetch/handle-request.js';
import { toHandler } from '../fetch/to-handler.js';
import type { App, ErrorHandler } from '../types.js';
import { WorkTracker } from './work-tracker.js';

/** The limits and hooks of one application, whatever carries its connections. */
export interface ApplicationOptions {
  /**
   * Most connections at once (FCGI_MAX_CONNS); default 1024. At the limit a new connection
   * closes the one idle longest; it is refused only when every connection has a request in flight.
   */
  maxConnections?: number;
  /** Most concurrent requests over all connections (FCGI_MAX_REQS); more get OVERLOADED. Default 1024. */
  maxRequests?: number;
  /** Most request-body bytes; more is answered 413. Default 100 MiB. */
  maxBodySize?: number;
  /** Most bytes of CGI params per request; more closes the connection. Default 1 MiB. */
  maxParamsBytes?: number;
  /** Unread body bytes per request before the socket is paused. Default 64 KiB. */
  bodyHighWaterMark?: number;
  /** Closes a connection with no request in flight after this many ms; 0 never. Default 120 s. */
  idleTimeout?: number;
  /** Closes a connection whose request has not sent all its params this many ms after it began; 0 never. Default 30 s. */
  paramsTimeout?: number;
  /** Fails a request body that stops arriving for this many ms (the handler's read rejects; a 408); 0 never. Default 60 s. */
  bodyTimeout?: number;
  /**
   * Aborts a request still running this many ms after it began (php-fpm's
   * `request_terminate_timeout`): its signal fires with a `TimeoutError` and the web server
   * answers its error page (nginx: 502); 0 never. Default 0.
   */
  requestTimeout?: number;
  /** Turns a failure into a response; also told of protocol errors (with no request). */
  onError?: ErrorHandler;
  /** The application's own log (unhandled errors, closed connections); default: stderr. */
  log?(line: string): void;
  /**
   * On Node, replace the global `Response` (only it) with a light one that builds the costly
   * platform object only when its body is needed, and hand handlers light requests where the
   * platform's functions accept them (Node 20, 22). Both behave as the platform's; platform
   * responses still pass `instanceof Response`. Set false to keep the globals untouched and give
   * handlers the platform's Request. Default true.
   */
  overrideGlobalObjects?: boolean;
}

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

/** Wires a fetch app to the engine: limits, concurrency shared by all connections, error reports. */
export function createApplication(app: App, options: ApplicationOptions = {}): Application {
  const light = options.overrideGlobalObjects !== false && installFastGlobals();
  const limits: EngineLimits = {
    maxConnections: options.maxConnections ?? DEFAULT_LIMITS.maxConnections,
    maxParamsBytes: options.maxParamsBytes ?? DEFAULT_LIMITS.maxParamsBytes,
    maxBodySize: options.maxBodySize ?? DEFAULT_LIMITS.maxBodySize,
    bodyHighWaterMark: options.bodyHighWaterMark ?? DEFAULT_LIMITS.bodyHighWaterMark,
    idleTimeout: options.idleTimeout ?? DEFAULT_LIMITS.idleTimeout,
    paramsTimeout: options.paramsTimeout ?? DEFAULT_LIMITS.paramsTimeout,
    bodyTimeout: options.bodyTimeout ?? DEFAULT_LIMITS.bodyTimeout,
    requestTimeout: options.requestTimeout ?? DEFAULT_LIMITS.requestTimeout,
  };
  const requestGate = new RequestGate(options.maxRequests ?? 1024);
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
