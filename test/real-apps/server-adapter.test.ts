/**
 * A plain @whatwg-node/server createServerAdapter app under node:http's createServer(adapter)
 * and under fastcgi-fetch behind nginx.
 */
import { describeRealApp, type Exchange } from './harness.js';
import { multipart } from './multipart.js';
import { hostWithoutPort, underscoreHeaderDropped } from './nginx-differences.js';
import { WHATWG_NODE_EMPTY_REASON, WHATWG_NODE_ERROR_STACK } from './own-server-departures.js';

const form = multipart([
  { name: 'name', value: 'adapter' },
  { name: 'avatar', filename: 'dot.png', type: 'image/png', content: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
]);
const binary = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);

const exchanges: Exchange[] = [
  { name: 'GET / answers text', request: { path: '/' } },
  { name: 'HEAD / answers the headers of GET without the body', request: { method: 'HEAD', path: '/' } },
  { name: 'Response.json() with a header of its own', request: { path: '/json?a=1&b=%C3%A9' } },
  {
    name: 'a binary POST body comes back byte-exact',
    request: { method: 'POST', path: '/echo', headers: [['content-type', 'application/octet-stream']], body: binary },
  },
  {
    name: 'a chunked binary POST comes back byte-exact',
    request: { method: 'POST', path: '/echo', headers: [['content-type', 'application/octet-stream']], body: binary, chunked: true },
  },
  { name: 'an empty POST', request: { method: 'POST', path: '/echo', body: '' } },
  { name: 'formData(): a field and a binary file', request: { method: 'POST', path: '/form', headers: [['content-type', form.contentType]], body: form.body } },
  { name: 'a streamed event stream arrives whole', request: { path: '/stream', headers: [['accept', 'text/event-stream']] } },
  { name: 'two Set-Cookie headers stay two', request: { path: '/cookies' } },
  { name: "a status with the app's own status text", request: { path: '/status' } },
  { name: '204 without a body', request: { path: '/empty' } },
  { name: 'Response.redirect() with an absolute Location', request: { path: '/redirect' } },
  {
    name: 'the request URL and headers the handler sees',
    request: {
      path: '/headers?q=1',
      headers: [
        ['x-custom', 'one'],
        ['x_under', 'dropped?'],
      ],
    },
    known: [hostWithoutPort('host'), underscoreHeaderDropped('under')],
  },
  { name: 'a throwing handler', request: { path: '/throw' } },
  { name: 'an unknown path is 404', request: { path: '/nowhere' } },
];

describeRealApp({ app: 'server-adapter', exchanges, ownServerDepartures: [WHATWG_NODE_EMPTY_REASON, WHATWG_NODE_ERROR_STACK] });
