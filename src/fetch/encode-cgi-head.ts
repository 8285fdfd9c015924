import { isToken } from '../http/is-token.js';

const utf8 = new TextEncoder();
const ASCII = /^[\x00-\x7f]*$/;

export function isAscii(text: string): boolean {
  // A short string (most bodies of small responses) is checked faster by hand than by a regex call.
  if (text.length > 64) return ASCII.test(text);
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Header bytes as HTTP has them: one byte per char (ISO-8859-1), which is how header values
 * arrive (see requestHeaders) and how Node writes them. A char above U+00FF (only a string a
 * handler made up) has no byte of its own; then the head goes out as UTF-8.
 */
export function headBytes(head: string): Uint8Array {
  // Nearly every head is ASCII, where UTF-8 and ISO-8859-1 agree and the native encoder is fastest.
  if (isAscii(head)) return utf8.encode(head);
  const out = new Uint8Array(head.length);
  for (let i = 0; i < head.length; i++) {
    const code = head.charCodeAt(i);
    if (code > 0xff) return utf8.encode(head);
    out[i] = code;
  }
  return out;
}

/** Headers that describe the hop to the web server, not the response: never forwarded. */
const HOP_HEADERS = new Set(['transfer-encoding', 'connection', 'keep-alive', 'status', 'content-length']);

/**
 * The reason phrase of every registered status, in RFC 9110's words (node:http still says
 * "Payload Too Large" and "Unprocessable Entity"): nginx passes ours on, and writes none for a
 * status it does not know itself (418, 425, 451...).
 */
const REASONS: Record<number, string> = {
  100: 'Continue',
  101: 'Switching Protocols',
  102: 'Processing',
  103: 'Early Hints',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  207: 'Multi-Status',
  208: 'Already Reported',
  226: 'IM Used',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  305: 'Use Proxy',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  418: "I'm a Teapot",
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  423: 'Locked',
  424: 'Failed Dependency',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  506: 'Variant Also Negotiates',
  507: 'Insufficient Storage',
  508: 'Loop Detected',
  509: 'Bandwidth Limit Exceeded',
  510: 'Not Extended',
  511: 'Network Authentication Required',
};

const BAD_VALUE = /[\0\r\n]/;

/**
 * Headers a light Response checked (as `Headers` checks them) and copied when it was made: a
 * flat `[name, value, name, value, ...]` list, names as given. Written without a second check.
 */
export class CheckedHeaders {
  constructor(readonly list: readonly string[]) {}
}

export interface HeadOptions {
  status: number;
  statusText: string;
  /** A Headers object, a light Response's checked headers, or HeadersInit as given. */
  headers: Headers | CheckedHeaders | HeadersInit | undefined;
  /** Added when the headers have no content-type (a string body's default). */
  defaultContentType?: string | undefined;
  /** Written as Content-Length when the body's exact length is known. */
  contentLength?: number | undefined;
  /**
   * The handler's own Content-Length, when it has one, wins over `contentLength` (HEAD and 304,
   * where no body follows: the length describes the body a GET would have had).
   */
  keepDeclaredLength?: boolean;
  /**
   * An Authorizer's answer: `Variable-NAME` headers become variables named NAME for the web
   * server, and `Headers` has lower-cased them, so NAME is written upper-case, as CGI names are.
   */
  authorizer?: boolean;
}

/** Calls `each` for every header, checking what `Headers` would check where none did. */
function forEachHeader(headers: Headers | CheckedHeaders | HeadersInit | undefined, each: (name: string, value: string) => void): void {
  if (headers === undefined) return;
  if (headers instanceof CheckedHeaders) {
    const list = headers.list;
    for (let i = 0; i < list.length; i += 2) each(list[i]!.toLowerCase(), list[i + 1]!);
    return;
  }
  if (headers instanceof Headers) {
    headers.forEach((value, name) => {
      if (name !== 'set-cookie') each(name, value);
    });
    for (const cookie of headers.getSetCookie()) each('set-cookie', cookie);
    return;
  }
  const checked = (name: string, value: string) => {
    if (!isToken(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    const trimmed = value.trim();
    if (BAD_VALUE.test(trimmed)) throw new TypeError(`invalid value for header ${name}`);
    each(name.toLowerCase(), trimmed);
  };
  if (Array.isArray(headers)) for (const pair of headers as Array<[string, string]>) checked(pair[0], pair[1]);
  else for (const name of Object.keys(headers)) checked(name, (headers as Record<string, string>)[name]!);
}

/** The CGI response head (see {@link headText}) as bytes. */
export function encodeCgiHead(options: HeadOptions): Uint8Array {
  return headBytes(headText(options));
}

/**
 * The CGI response head, blank line included: `Status:`, then each header on its own line (one
 * line per Set-Cookie), never a hop-by-hop header. Content-Length is written only when exact.
 */
export function headText(options: HeadOptions): string {
  const { status } = options;
  const reason = (options.statusText || REASONS[status] || '').replace(/[\r\n]/g, ' ');
  let head = `Status: ${status}${reason ? ` ${reason}` : ''}\r\n`;
  let hasType = false;
  let declared: string | undefined;
  forEachHeader(options.headers, (name, value) => {
    if (name === 'content-type') hasType = true;
    if (HOP_HEADERS.has(name)) {
      if (name === 'content-length') declared = value;
      return;
    }
    if (options.authorizer && name.startsWith('variable-')) head += `Variable-${name.slice(9).toUpperCase()}: ${value}\r\n`;
    else head += `${name}: ${value}\r\n`;
  });
  if (!hasType && options.defaultContentType) head += `content-type: ${options.defaultContentType}\r\n`;
  if (options.keepDeclaredLength && declared !== undefined) head += `content-length: ${declared}\r\n`;
  else if (options.contentLength !== undefined) head += `content-length: ${options.contentLength}\r\n`;
  return `${head}\r\n`;
}
