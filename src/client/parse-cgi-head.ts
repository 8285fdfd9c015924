import { isToken } from '../http/is-token.js';
import { FastCGIProtocolError, latin1 } from '../protocol/index.js';

/** The CGI response head at the start of STDOUT, as a web server reads it. */
export interface CgiHead {
  status: number;
  statusText: string;
  headers: Headers;
}

const STATUS = /^(\d{3})(?:[ \t]+(.*))?$/;

/**
 * Gathers STDOUT bytes until the blank line that ends the CGI head (CRLF or bare LF, as CGI
 * allows), then parses it. A head larger than `maxSize` is a protocol error, not a buffer leak.
 */
export class CgiHeadParser {
  #buffer = new Uint8Array(0);
  #scanned = 0;

  constructor(private readonly maxSize: number) {}

  /** Feeds bytes; returns the head and the body bytes after it once the head is complete. */
  push(chunk: Uint8Array): { head: CgiHead; rest: Uint8Array } | undefined {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    this.#buffer = joined;
    for (let i = Math.max(0, this.#scanned - 2); i < joined.length; i++) {
      if (joined[i] !== 10) continue;
      let end = -1;
      if (joined[i + 1] === 10) end = i + 2;
      else if (joined[i + 1] === 13 && joined[i + 2] === 10) end = i + 3;
      if (end < 0) continue;
      if (end > this.maxSize) break;
      return { head: parseCgiHead(latin1(joined.subarray(0, i))), rest: joined.subarray(end) };
    }
    this.#scanned = joined.length;
    if (joined.length > this.maxSize) {
      throw new FastCGIProtocolError(`the CGI response head exceeds ${this.maxSize} bytes`);
    }
    return undefined;
  }

  /** STDOUT ended: a head still incomplete is an error (nginx answers 502 here). */
  end(): never {
    throw new FastCGIProtocolError(this.#buffer.length === 0 ? 'the application sent no response (empty STDOUT)' : 'STDOUT ended inside the CGI response head');
  }
}

/** Parses the head lines: `Status:` sets the status, `Location:` alone means 302, the rest are headers. */
function parseCgiHead(text: string): CgiHead {
  const headers = new Headers();
  let status: number | undefined;
  let statusText = '';
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!isToken(name)) throw new FastCGIProtocolError(`malformed CGI header line ${JSON.stringify(line)}`);
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const match = STATUS.exec(value);
      const code = match ? Number(match[1]) : NaN;
      if (!(code >= 200 && code <= 599)) throw new FastCGIProtocolError(`invalid CGI Status ${JSON.stringify(value)}`);
      status = code;
      statusText = match?.[2] ?? '';
      continue;
    }
    try {
      headers.append(name, value);
    } catch {
      throw new FastCGIProtocolError(`invalid CGI header value for ${name}`);
    }
  }
  return { status: status ?? (headers.has('location') ? 302 : 200), statusText, headers };
}
