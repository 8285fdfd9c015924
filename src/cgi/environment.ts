import type { DecodedPair } from '../protocol/index.js';

/** Environment variables as Node exposes them. */
export type Environment = Readonly<Record<string, string | undefined>>;

const utf8 = new TextEncoder();
const PRINTABLE_NAME = /^[\x21-\x7e]+$/;

/**
 * True when the process was started as a CGI program: the web server sets GATEWAY_INTERFACE
 * (RFC 3875 §4.1.4). Callers must also check that fd 0 is not a listening socket, because
 * mod_fcgid starts FastCGI apps with a CGI-looking environment too.
 */
export function isCgiEnvironment(env: Environment = process.env): boolean {
  const value = env.GATEWAY_INTERFACE;
  return value !== undefined && /^CGI\/1\.\d+$/i.test(value.trim());
}

/**
 * The CGI meta-variables as FastCGI params, in environment order. Node decodes the
 * environment as UTF-8, so a value carrying non-UTF-8 bytes reaches the handler with U+FFFD.
 */
export function paramsFromEnvironment(env: Environment): DecodedPair[] {
  const pairs: DecodedPair[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !PRINTABLE_NAME.test(name)) continue;
    pairs.push([name, utf8.encode(value)]);
  }
  return pairs;
}

/**
 * httpoxy: a request header `Proxy:` reaches a CGI program as HTTP_PROXY, which many HTTP
 * clients read as their proxy setting. In CGI mode every HTTP_* variable belongs to the request,
 * so the value is removed from `process.env` (the request still has its `proxy` header).
 * Returns true when something was removed.
 */
export function scrubRequestProxy(cgiEnv: Environment, processEnv: Record<string, string | undefined> = process.env): boolean {
  const fromRequest = cgiEnv.HTTP_PROXY;
  if (fromRequest === undefined || processEnv.HTTP_PROXY !== fromRequest) return false;
  delete processEnv.HTTP_PROXY;
  return true;
}
