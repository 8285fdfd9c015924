import { SERVE_DEFAULTS } from '../server/options.js';
import { CliError } from './cli-error.js';

/** php-fpm's pool settings that `serve` takes as flags: recycling, time limits, slow log, ping. */
export interface PoolOptions {
  /** A worker is replaced after this many requests, plus up to 10% (pm.max_requests); undefined: never. */
  readonly maxRequests: number | undefined;
  /** Milliseconds a request may run before it is aborted, and a blocked worker killed (request_terminate_timeout); 0: never. */
  readonly requestTimeout: number;
  /** Milliseconds after which a running request is written to the slow log (request_slowlog_timeout); 0: never. */
  readonly slowlogTimeout: number;
  /** Where the slow log goes; undefined: stderr. */
  readonly slowlog: string | undefined;
  /** A path answered with `pingResponse` without calling the app (ping.path). */
  readonly pingPath: string | undefined;
  readonly pingResponse: string;
}

/** No pool features, php-fpm's "pong" as the ping answer: what `serve` does without these flags. */
export const POOL_DEFAULTS: PoolOptions = {
  maxRequests: undefined,
  requestTimeout: SERVE_DEFAULTS.requestTimeout,
  slowlogTimeout: 0,
  slowlog: undefined,
  pingPath: undefined,
  pingResponse: 'pong',
};

/** The pool flags: the environment variable each falls back to, and the `serve()` option it sets, if any. */
export const POOL_FLAGS = {
  'max-requests': { type: 'string', env: 'FASTCGI_MAX_REQUESTS' },
  'request-timeout': { type: 'string', env: 'FASTCGI_REQUEST_TIMEOUT', sets: ['requestTimeout'] },
  'slowlog-timeout': { type: 'string', env: 'FASTCGI_SLOWLOG_TIMEOUT' },
  slowlog: { type: 'string', env: 'FASTCGI_SLOWLOG' },
  'ping-path': { type: 'string', env: 'FASTCGI_PING_PATH' },
  'ping-response': { type: 'string', env: 'FASTCGI_PING_RESPONSE' },
} as const;

export const POOL_HELP = `Pool (as php-fpm's pool settings):
  --max-requests <n>      replace a worker after n requests, plus up to 10%
                          at random (needs --workers)                   $FASTCGI_MAX_REQUESTS
  --request-timeout <s>   abort a request still running after s seconds;
                          with --workers, kill and replace a worker whose
                          event loop is blocked that long               $FASTCGI_REQUEST_TIMEOUT
  --slowlog-timeout <s>   log requests running longer than s seconds, with
                          the JavaScript stack when the loop is blocked $FASTCGI_SLOWLOG_TIMEOUT
  --slowlog <file>        where the slow log goes (default stderr)      $FASTCGI_SLOWLOG
  --ping-path <path>      answer this path without calling the app      $FASTCGI_PING_PATH
  --ping-response <text>  what the ping path answers (default ${POOL_DEFAULTS.pingResponse})     $FASTCGI_PING_RESPONSE
`;

type Env = Readonly<Record<string, string | undefined>>;

function seconds(value: string | undefined, flag: string, otherwise: number): number {
  if (value === undefined) return otherwise;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new CliError(`${flag} must be a number of seconds, got ${JSON.stringify(value)}`, 2);
  return Math.round(n * 1000);
}

/**
 * Reads the pool flags (`flag(name)` gives a flag's value) and their environment variables.
 * `workers` is the --workers count: recycling needs a primary to start the replacement.
 */
export function parsePoolOptions(
  flag: (name: keyof typeof POOL_FLAGS) => string | undefined,
  env: Env,
  context: { workers: number | undefined; statusPath: string | undefined },
): PoolOptions {
  const get = (name: keyof typeof POOL_FLAGS) => {
    const value = flag(name) ?? env[POOL_FLAGS[name].env];
    return value === '' ? undefined : value;
  };
  const maxText = get('max-requests');
  let maxRequests: number | undefined;
  if (maxText !== undefined) {
    maxRequests = Number(maxText);
    if (!/^\d+$/.test(maxText.trim()) || !Number.isSafeInteger(maxRequests) || maxRequests < 1) {
      throw new CliError(`--max-requests must be a positive integer, got ${JSON.stringify(maxText)}`, 2);
    }
    if (context.workers === undefined) throw new CliError('--max-requests needs --workers: a primary starts the replacement before the old worker leaves', 2);
  }
  const slowlogTimeout = seconds(get('slowlog-timeout'), '--slowlog-timeout', POOL_DEFAULTS.slowlogTimeout);
  const slowlog = get('slowlog');
  if (slowlog !== undefined && slowlogTimeout === 0) throw new CliError('--slowlog needs --slowlog-timeout (after how many seconds a request is slow)', 2);
  const pingPath = get('ping-path');
  if (pingPath !== undefined && !pingPath.startsWith('/')) throw new CliError('--ping-path must start with /', 2);
  if (pingPath !== undefined && pingPath === context.statusPath) throw new CliError('--ping-path and --status-path must differ', 2);
  return {
    maxRequests,
    requestTimeout: seconds(get('request-timeout'), '--request-timeout', POOL_DEFAULTS.requestTimeout),
    slowlogTimeout,
    slowlog,
    pingPath,
    pingResponse: get('ping-response') ?? POOL_DEFAULTS.pingResponse,
  };
}
