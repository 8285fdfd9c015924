import { isToken } from '../http/is-token.js';
import { ParamList, latin1, type DecodedPair } from '../protocol/index.js';

/** The request cannot be mapped to a valid `Request` (bad Host, bad method): answered with 400. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
  readonly status = 400;
}

const HEX = '0123456789ABCDEF';

/**
 * A raw URI (REQUEST_URI, as ISO-8859-1 text: one char per byte) as a string the URL parser
 * keeps byte-exact: ASCII is kept as is (existing %-escapes included), every other byte becomes
 * its own %XX.
 */
function uriFromText(raw: string): string {
  let plain = true;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 0x80 || c <= 0x20 || c === 0x23) {
      plain = false;
      break;
    }
  }
  if (plain) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    out += c > 0x20 && c < 0x80 && c !== 0x23 ? raw[i] : `%${HEX[c >> 4]}${HEX[c & 15]}`;
  }
  return out;
}

/** A decoded path (SCRIPT_NAME, PATH_INFO) escaped back into URL form. */
function escapePath(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    const keep = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || "/-._~!$&'()*+,;=:@".includes(String.fromCharCode(b));
    out += keep ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/** Lower-case DNS labels whose last label starts with a letter (no IPv4 parsing, no IDNA). */
const PLAIN_NAME = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z](?:[a-z0-9-]*[a-z0-9])?$/;
const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
/** A path and query of characters the URL parser leaves alone, %-escapes in upper case. */
const PLAIN_TARGET = /^\/(?:[A-Za-z0-9\-._~!$&()*+,;=:@/?]|%[0-9A-F]{2})*$/;
/** "." and ".." segments (also as %2E) are resolved by the parser. */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2E){1,2}(?:\/|\?|$)/i;

/** True when the URL parser would leave `host` (with its port) exactly as it is. */
function hostIsNormal(host: string, https: boolean): boolean {
  const colon = host.lastIndexOf(':');
  const name = colon < 0 ? host : host.slice(0, colon);
  if (colon >= 0) {
    const port = host.slice(colon + 1);
    if (!/^[1-9]\d{0,4}$/.test(port) || Number(port) > 65535 || port === (https ? '443' : '80')) return false;
  }
  if (name.startsWith('xn--') || name.includes('.xn--')) return false;
  return PLAIN_NAME.test(name) || DOTTED_QUAD.test(name);
}

function targetIsNormal(target: string): boolean {
  return PLAIN_TARGET.test(target) && !DOT_SEGMENT.test(target);
}

/**
 * True when `scheme://host + target` is already what the URL parser would make of it, so the
 * parse can be skipped. Conservative: anything unusual goes through the parser.
 */
export function alreadyNormal(host: string, target: string, https: boolean): boolean {
  return hostIsNormal(host, https) && targetIsNormal(target);
}

/** reg-name, IPv4 or [IPv6], with an optional port: nothing that could move the path. */
const VALID_HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::\d{1,5})?$/;

/** Param lookup, first value wins: bytes with `get`, ISO-8859-1 text with `text`. */
export type ParamLookup = Pick<ParamList, 'get' | 'text' | 'equals'>;

/** A lookup over decoded pairs (the engine's requests already carry a ParamList). */
export function paramLookup(params: ParamList | Iterable<DecodedPair>): ParamLookup {
  return paramList(params);
}

function paramList(params: ParamList | Iterable<DecodedPair>): ParamList {
  return params instanceof ParamList ? params : ParamList.of(params);
}

export function paramText(get: ParamLookup, name: string): string | undefined {
  return get.text(name);
}

/** https when REQUEST_SCHEME says so, or HTTPS is on/1 (Apache and nginx both set one of them). */
export function isHttps(get: ParamLookup): boolean {
  if (get.equals('REQUEST_SCHEME', 'http')) return false;
  if (get.equals('REQUEST_SCHEME', 'https')) return true;
  const scheme = paramText(get, 'REQUEST_SCHEME')?.toLowerCase();
  if (scheme === 'https') return true;
  if (scheme === 'http') return false;
  const https = paramText(get, 'HTTPS')?.toLowerCase();
  return https === 'on' || https === '1';
}

/** The scheme and host part of request URLs, worked out for one (https, HTTP_HOST, SERVER_PORT). */
interface Origin {
  readonly https: boolean;
  readonly hostParam: string;
  readonly port: string | undefined;
  /** `scheme://host[:port]` */
  readonly prefix: string;
  /** The URL parser would leave the host as it is. */
  readonly normal: boolean;
}

/** A web server sends the same Host with nearly every request: its checks are done once. */
let lastOrigin: Origin | undefined;

function originOf(get: ParamLookup, https: boolean): Pick<Origin, 'prefix' | 'normal'> {
  const last = lastOrigin;
  if (
    last !== undefined &&
    last.https === https &&
    get.equals('HTTP_HOST', last.hostParam) &&
    (last.port === undefined ? get.text('SERVER_PORT') === undefined : get.equals('SERVER_PORT', last.port))
  ) {
    return last;
  }
  const hostParam = paramText(get, 'HTTP_HOST') ?? '';
  const port = paramText(get, 'SERVER_PORT');
  let host = hostParam;
  if (host === '') {
    const name = paramText(get, 'SERVER_NAME') || paramText(get, 'SERVER_ADDR') || 'localhost';
    const bracketed = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
    host = port && port !== (https ? '443' : '80') ? `${bracketed}:${port}` : bracketed;
  }
  if (!VALID_HOST.test(host)) throw new BadRequestError(`invalid Host ${JSON.stringify(host)}`);
  if (!/:\d+$/.test(host)) {
    // Debian's nginx fastcgi_params send HTTP_HOST as $host, which drops the port: the port the
    // web server was reached on is the one the browser used.
    if (port && /^\d+$/.test(port) && port !== (https ? '443' : '80')) host = `${host}:${port}`;
  }
  const origin: Origin = {
    https,
    hostParam,
    port,
    prefix: `${https ? 'https' : 'http'}://${host}`,
    normal: hostIsNormal(host, https),
  };
  if (hostParam !== '') lastOrigin = origin;
  return origin;
}

/**
 * An http(s) target in absolute-form: an authority of the chars RFC 3986 allows there (no backslash,
 * which the URL parser would read as the end of the host), then nothing or a path or query.
 */
const ABSOLUTE_FORM = /^https?:\/\/[A-Za-z0-9\-._~!$&'()*+,;=:@%[\]]+(?:[/?]|$)/i;

/**
 * The URL of an absolute-form target (`GET http://host/path`): RFC 9112 §3.2.2 and §3.3 make the
 * target itself the URL, whatever Host says. The URL parser normalises it; userinfo, which the
 * platform's Request refuses (RFC 9110 §4.2.4 calls it an error), is a bad request.
 */
function absoluteUrl(target: string): string {
  if (!ABSOLUTE_FORM.test(target)) throw new BadRequestError(`invalid REQUEST_URI ${JSON.stringify(target)}`);
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new BadRequestError(`invalid REQUEST_URI ${JSON.stringify(target)}`);
  }
  if (url.username !== '' || url.password !== '') throw new BadRequestError('REQUEST_URI with userinfo');
  return url.href;
}

/** The public URL the browser asked for, rebuilt from CGI params. Throws BadRequestError. */
export function requestUrl(get: ParamLookup): string {
  let target: string;
  const requestUri = get.text('REQUEST_URI');
  if (requestUri !== undefined && requestUri.length > 0) {
    target = uriFromText(requestUri);
    if (target.charCodeAt(0) !== 0x2f) {
      if (target === '*') target = '/';
      else return absoluteUrl(target);
    }
  } else {
    const script = get.get('SCRIPT_NAME') ?? new Uint8Array(0);
    const pathInfo = get.get('PATH_INFO') ?? new Uint8Array(0);
    const query = get.text('QUERY_STRING');
    target = escapePath(script) + escapePath(pathInfo);
    if (!target.startsWith('/')) target = `/${target}`;
    if (query !== undefined && query.length > 0) target += `?${uriFromText(query)}`;
  }
  const origin = originOf(get, isHttps(get));
  // Concatenate rather than resolve: a target starting with "//" must stay a path.
  const url = origin.prefix + target;
  // The common case is already what the URL parser would return: skip the parser.
  if (origin.normal && targetIsNormal(target)) return url;
  try {
    return new URL(url).href;
  } catch {
    throw new BadRequestError(`invalid request URL ${JSON.stringify(url)}`);
  }
}

/** The header a param carries (`HTTP_X_NAME` → `x-name`), or null; made once per param name. */
const headerNames = new Map<string, string | null>();
const HEADER_NAME_CACHE_SIZE = 512;

function headerName(param: string): string | null {
  let header = headerNames.get(param);
  if (header !== undefined) return header;
  if (param.startsWith('HTTP_')) {
    header = param === 'HTTP_CONTENT_LENGTH' || param === 'HTTP_CONTENT_TYPE' ? null : param.slice(5).toLowerCase().replaceAll('_', '-');
  } else if (param === 'CONTENT_TYPE') header = 'content-type';
  else if (param === 'CONTENT_LENGTH') header = 'content-length';
  else header = null;
  // A name `Headers` would reject is dropped as its value would be.
  if (header !== null && !isToken(header)) header = null;
  if (headerNames.size < HEADER_NAME_CACHE_SIZE) headerNames.set(param, header);
  return header;
}

/** Only HTTP_* and CONTENT_* params carry headers: others are skipped before their name is read. */
const mayCarryHeader = (firstByte: number) => firstByte === 0x48 || firstByte === 0x43;

const isHttpBlank = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

/**
 * `text` as the Fetch standard normalizes a header value (leading and trailing blanks, CR and LF
 * removed), or null where `Headers` rejects it (a NUL, CR or LF left inside).
 */
function headerValue(text: string): string | null {
  let start = 0;
  let end = text.length;
  while (start < end && isHttpBlank(text.charCodeAt(start))) start++;
  while (end > start && isHttpBlank(text.charCodeAt(end - 1))) end--;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 0 || code === 0x0a || code === 0x0d) return null;
  }
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * Request headers from HTTP_* params plus CONTENT_TYPE and CONTENT_LENGTH, as name-value pairs
 * a `Headers` or a `Request` takes as they are: names lower-case, values normalized. A name or
 * value `Headers` rejects is dropped (the rest of the request still works); repeated cookies are
 * joined with "; ", other repeats stay separate pairs (`Headers` joins them with ", "). Pairs
 * spare the platform's `Request` a `Headers` built first only to be copied.
 */
export function requestHeaderPairs(params: ParamList | Iterable<DecodedPair>): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let cookie: [string, string] | undefined;
  paramList(params).forEachPair((name, bytes, start, end) => {
    const header = headerName(name);
    if (header === null) return;
    if (start === end && header.startsWith('content-')) return;
    const text = latin1(bytes, start, end);
    // Caddy sends CONTENT_LENGTH=-1 for a chunked body: that is "unknown", not a length.
    if (header === 'content-length' && !/^\d+$/.test(text)) return;
    // A repeated cookie is joined raw, as `headers.set(name, `${headers.get(name)}; ${text}`)` would.
    const value = headerValue(cookie !== undefined && header === 'cookie' ? `${cookie[1]}; ${text}` : text);
    if (value === null) return;
    if (header !== 'cookie') pairs.push([header, value]);
    else if (cookie === undefined) pairs.push((cookie = [header, value]));
    else cookie[1] = value;
  }, mayCarryHeader);
  return pairs;
}

/** {@link requestHeaderPairs} as a `Headers`. */
export function requestHeaders(params: ParamList | Iterable<DecodedPair>): Headers {
  const headers = new Headers();
  for (const [name, value] of requestHeaderPairs(params)) headers.append(name, value);
  return headers;
}
