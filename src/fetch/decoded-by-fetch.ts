/**
 * A response that `fetch()` returned has its body decoded already, but still carries the
 * upstream's Content-Encoding and Content-Length (the encoded size). Handed back by a handler as
 * it is (the usual way to proxy), it would reach the browser as plain bytes labelled gzip.
 */

/**
 * The codings every runtime's fetch undoes (undici, Bun, Deno, @whatwg-node/fetch). undici undoes
 * a list of codings only when it knows each one; zstd only in some versions, so it is left alone.
 */
const DECODED_BY_FETCH = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/**
 * True when `response` came from `fetch()` (only a fetched response, or its clone, has a URL)
 * and holds a body its fetch decoded.
 */
function isDecodedByFetch(response: Response): boolean {
  if (!response.url) return false;
  const encoding = response.headers.get('content-encoding');
  // No body (HEAD, 204, 304): nothing was decoded, and the headers describe the encoded body.
  if (encoding === null || response.body === null) return false;
  for (const coding of encoding.split(',')) {
    if (!DECODED_BY_FETCH.has(coding.trim().toLowerCase())) return false;
  }
  return true;
}

/** The headers to send for `response`: without a stale encoding and length if its body was decoded. */
export function headersToSend(response: Response): Headers {
  if (!isDecodedByFetch(response)) return response.headers;
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  return headers;
}
