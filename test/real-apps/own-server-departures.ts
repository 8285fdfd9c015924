/**
 * Where an app's own Node server sends something other than what the platform's Response holds.
 * fastcgi-fetch sends what the Response holds, so these are differences it does not copy.
 */
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
