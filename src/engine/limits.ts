/**
 * Limits one application enforces (and advertises through GET_VALUES). Each member's TSDoc is
 * what users read for the `serve()` option of the same name; its `@default` is pinned to
 * {@link DEFAULT_LIMITS} by test/options.test.ts.
 */
export interface EngineLimits {
  /**
   * Most connections at once (FCGI_MAX_CONNS), so connections cannot exhaust file descriptors.
   * At the limit a new connection closes the one idle longest (as nginx reuses its idle
   * connections); it is refused only when every connection has a request in flight.
   * @default 1024
   */
  maxConnections: number;
  /**
   * Most concurrent requests over all connections (FCGI_MAX_REQS), so load sheds instead of
   * queueing without bound: more get END_REQUEST `OVERLOADED`.
   * @default 1024
   */
  maxRequests: number;
  /**
   * Most bytes of CGI params per request, so a peer cannot make the app buffer without bound;
   * more is a protocol violation that closes the connection.
   * @default 1024 * 1024
   */
  maxParamsBytes: number;
  /**
   * Most request-body bytes, so an upload cannot exhaust memory or disk downstream; more fails the
   * body with `BodyTooLargeError` (answered 413), the rest discarded unbuffered.
   * @default 100 * 1024 * 1024
   */
  maxBodySize: number;
  /**
   * Unread body bytes per request before the connection stops reading its socket: backpressure
   * for a handler that reads slower than the web server sends.
   * @default 64 * 1024
   */
  bodyHighWaterMark: number;
  /**
   * A connection with no request in flight is closed after this many ms (0: never). Longer than
   * nginx's upstream keepalive_timeout (60 s), so nginx closes idle connections first.
   * @default 120_000
   */
  idleTimeout: number;
  /**
   * A request whose PARAMS stream is not complete this many ms after BEGIN_REQUEST closes its
   * connection (0: never), so a stalled peer cannot hold a request slot.
   * @default 30_000
   */
  paramsTimeout: number;
  /**
   * A started request whose body stops arriving for this many ms, while the connection is
   * reading, fails its body with `BodyTimeoutError` (answered 408); the connection goes on
   * (0: never). As nginx's client_body_timeout: a stalled upload cannot hold a request slot for ever.
   * @default 60_000
   */
  bodyTimeout: number;
  /**
   * A request still running this many ms after BEGIN_REQUEST is aborted (php-fpm's
   * `request_terminate_timeout`): its signal fires with a `TimeoutError` and END_REQUEST goes
   * out, so the web server answers its error page (nginx: 502). 0: never.
   * @default 0
   */
  requestTimeout: number;
}

/** The value of each limit nobody set: the one place these numbers are written. */
export const DEFAULT_LIMITS: EngineLimits = {
  maxConnections: 1024,
  maxRequests: 1024,
  maxParamsBytes: 1024 * 1024,
  maxBodySize: 100 * 1024 * 1024,
  bodyHighWaterMark: 64 * 1024,
  idleTimeout: 120_000,
  paramsTimeout: 30_000,
  bodyTimeout: 60_000,
  requestTimeout: 0,
};
