/** Limits one application enforces (and advertises through GET_VALUES). */
export interface EngineLimits {
  /** FCGI_MAX_CONNS: most connections open at once. */
  maxConnections: number;
  /** Most bytes of CGI params per request; more is a protocol violation. */
  maxParamsBytes: number;
  /** Most request-body bytes; more fails the body with `BodyTooLargeError` (a 413). */
  maxBodySize: number;
  /** Unread body bytes per request before the connection stops reading its socket. */
  bodyHighWaterMark: number;
  /** A connection with no request in flight is closed after this many ms (0: never). */
  idleTimeout: number;
  /** A request whose PARAMS stream is not complete this many ms after BEGIN_REQUEST closes its connection (0: never). */
  paramsTimeout: number;
  /**
   * A started request whose body stops arriving for this many ms, while the connection is
   * reading, fails its body with `BodyTimeoutError` (a 408); the connection goes on (0: never).
   */
  bodyTimeout: number;
  /**
   * A request still running this many ms after BEGIN_REQUEST is aborted: its signal fires with
   * a `TimeoutError` and END_REQUEST goes out, so the web server answers its error (0: never).
   */
  requestTimeout: number;
}

export const DEFAULT_LIMITS: EngineLimits = {
  maxConnections: 1024,
  maxParamsBytes: 1024 * 1024,
  maxBodySize: 100 * 1024 * 1024,
  bodyHighWaterMark: 64 * 1024,
  // Longer than nginx's upstream keepalive_timeout (60 s), so nginx closes idle connections first.
  idleTimeout: 120_000,
  paramsTimeout: 30_000,
  // As nginx's client_body_timeout: a stalled upload cannot hold a request slot for ever.
  bodyTimeout: 60_000,
  requestTimeout: 0,
};
