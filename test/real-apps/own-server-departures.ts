/**
 * Where an app's own Node server sends something other than what the platform's Response holds.
 * fastcgi-fetch sends what the Response holds, so these are differences it does not copy.
 */
import { STATUS_CODES } from 'node:http';
import type { Known } from './compare.js';

const PLATFORM_TEXT_TYPE = new Response('').headers.get('content-type')!; // 'text/plain;charset=UTF-8'
const HONO_TEXT_TYPE = 'text/plain; charset=UTF-8';

/** @hono/node-server's own default Content-Type for a text body. */
export const HONO_NODE_SERVER_TEXT_TYPE: Known = {
  what: `@hono/node-server sends Content-Type "${HONO_TEXT_TYPE}" where the Response holds "${PLATFORM_TEXT_TYPE}"`,
  why: "Hono answers c.text() with `new Response(text)`, whose type the platform sets to text/plain;charset=UTF-8; @hono/node-server's light Response writes its own spelling of it instead",
  patch(own, ours) {
    const ownType = own.headers.find(([name]) => name === 'content-type');
    const oursType = ours.headers.find(([name]) => name === 'content-type');
    if (ownType?.[1] !== HONO_TEXT_TYPE || oursType?.[1] !== PLATFORM_TEXT_TYPE) return false;
    ownType[1] = PLATFORM_TEXT_TYPE;
    return true;
  },
};

/** node:http's older names where RFC 9110 renamed a status, and its made-up phrase for the rest. */
const NODE_HTTP_PHRASES: Record<string, string> = { 'Payload Too Large': 'Content Too Large', 'Unprocessable Entity': 'Unprocessable Content', unknown: '' };

/** node:http (every own server here writes through it) words some reason phrases differently. */
export const NODE_HTTP_REASON_PHRASES: Known = {
  what: 'node:http says "Payload Too Large", "Unprocessable Entity", and "unknown" for an unregistered status',
  why: 'fastcgi-fetch writes RFC 9110\'s names ("Content Too Large", "Unprocessable Content") and no phrase for an unregistered status, which nginx passes on; clients ignore the phrase (RFC 9112 §4)',
  patch(own, ours) {
    const renamed = NODE_HTTP_PHRASES[own.statusText];
    if (renamed === undefined || ours.statusText !== renamed) return false;
    own.statusText = renamed;
    return true;
  },
};

/** The standard phrase of `status` as fastcgi-fetch writes it (RFC 9110's names). */
function standardPhrase(status: number): string | undefined {
  const phrase = STATUS_CODES[status];
  return phrase === undefined ? undefined : (NODE_HTTP_PHRASES[phrase] ?? phrase);
}

/** @whatwg-node/server writes the Response's statusText as the reason phrase, empty or not. */
export const WHATWG_NODE_EMPTY_REASON: Known = {
  what: '@whatwg-node/server sends an empty reason phrase ("HTTP/1.1 200 ") when the Response has no statusText',
  why: 'it hands response.statusText to node:http as is; fastcgi-fetch writes the standard phrase, as nginx does for any status it knows, and clients ignore the phrase (RFC 9112 §4)',
  patch(own, ours) {
    if (own.statusText !== '' || ours.statusText === '' || ours.statusText !== standardPhrase(ours.status)) return false;
    own.statusText = ours.statusText;
    return true;
  },
};

/** @whatwg-node/server answers a throwing handler with the error's stack. */
export const WHATWG_NODE_ERROR_STACK: Known = {
  what: "@whatwg-node/server's 500 for a throwing handler carries the error's stack trace",
  why: 'a stack trace tells a stranger about the code and its paths; fastcgi-fetch answers a plain "Internal Server Error" (the onError option makes it any response) and logs the error',
  patch(own, ours) {
    const stack = /^Error: .*\n\s+at /.test(own.body.toString('utf8'));
    if (own.status !== 500 || ours.status !== 500 || !stack || ours.body.toString('utf8') !== 'Internal Server Error\n') return false;
    own.body = ours.body;
    own.headers = own.headers.filter(([name]) => name !== 'content-type').concat(ours.headers.filter(([name]) => name === 'content-type'));
    return true;
  },
};

/** node:http passes an app's own `Content-Length: 0` on a 204 (GraphQL Yoga's CORS preflight). */
export const NODE_HTTP_204_CONTENT_LENGTH: Known = {
  what: 'node:http sends the Content-Length: 0 an app set on a 204 No Content',
  why: 'RFC 9110 §8.6: a server must not send Content-Length in a 204 response; fastcgi-fetch leaves it out (a 204 has no body either way)',
  patch(own, ours) {
    const declared = own.headers.findIndex(([name, value]) => name === 'content-length' && value === '0');
    if (own.status !== 204 || ours.status !== 204 || declared < 0 || ours.headers.some(([name]) => name === 'content-length')) return false;
    own.headers.splice(declared, 1);
    return true;
  },
};
