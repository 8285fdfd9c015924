/**
 * A Hono app with hono's own middleware (cors, etag, compress, basic-auth, jwt, cookies,
 * streamSSE, parseBody, proxy) under @hono/node-server and under fastcgi-fetch behind nginx.
 */
import { sign } from 'hono/jwt';
import { send } from './client.js';
import { describeRealApp, type Exchange } from './harness.js';
import { multipart } from './multipart.js';
import { chunkedUploadBuffered, hostWithoutPort, underscoreHeaderDropped } from './nginx-differences.js';
import { HONO_NODE_SERVER_TEXT_TYPE } from './own-server-departures.js';
import { startUpstream } from './upstream.js';

const token = await sign({ sub: 'user-1', role: 'reader' }, 'real-apps-jwt-secret');
const form = multipart([
  { name: 'title', value: 'héllo wörld' },
  { name: 'tag', value: 'a' },
  { name: 'tag', value: 'b' },
  { name: 'file', filename: 'notes.txt', type: 'text/plain', content: 'line 1\nline 2\n' },
]);
const chunkedBody = JSON.stringify({ upload: 'x'.repeat(5000) });

const exchanges: Exchange[] = [
  { name: 'GET / answers text', request: { path: '/' } },
  { name: 'HEAD / answers the headers of GET without the body', request: { method: 'HEAD', path: '/' } },
  { name: 'an unknown path is 404', request: { path: '/nowhere' } },
  { name: 'a wrong method is 404', request: { method: 'PATCH', path: '/' } },
  {
    name: 'cors: a preflight from an allowed origin',
    request: {
      method: 'OPTIONS',
      path: '/api/items',
      headers: [
        ['origin', 'https://app.example'],
        ['access-control-request-method', 'POST'],
        ['access-control-request-headers', 'x-custom, content-type'],
      ],
    },
  },
  { name: 'cors: a GET from an allowed origin, exposed headers', request: { path: '/api/items', headers: [['origin', 'https://app.example']] } },
  { name: 'cors: a GET from another origin', request: { path: '/api/items', headers: [['origin', 'https://evil.example']] } },
  {
    name: 'cors: a JSON POST answered 201',
    request: {
      method: 'POST',
      path: '/api/items',
      headers: [
        ['origin', 'https://app.example'],
        ['content-type', 'application/json'],
      ],
      body: '{"name":"new"}',
    },
  },
  { name: 'etag: the first GET gets an ETag', request: { path: '/etag/doc' } },
  {
    name: 'etag: the ETag sent back in If-None-Match is 304',
    async run(origin) {
      const first = await send(origin, { path: '/etag/doc' });
      const etag = first.headers.find(([name]) => name === 'etag')?.[1] ?? '(no etag)';
      return send(origin, { path: '/etag/doc', headers: [['if-none-match', etag]] });
    },
  },
  { name: 'compress: gzip when accepted', request: { path: '/compressed/text', headers: [['accept-encoding', 'gzip']] } },
  { name: 'compress: deflate when only deflate is accepted', request: { path: '/compressed/text', headers: [['accept-encoding', 'deflate']] } },
  { name: 'compress: identity when nothing is accepted', request: { path: '/compressed/text' } },
  { name: 'compress: a tiny body stays as it is', request: { path: '/compressed/tiny', headers: [['accept-encoding', 'gzip']] } },
  { name: 'basic-auth: no credentials is 401 with a challenge', request: { path: '/admin/dashboard' } },
  {
    name: 'basic-auth: wrong credentials is 401',
    request: { path: '/admin/dashboard', headers: [['authorization', `Basic ${Buffer.from('admin:nope').toString('base64')}`]] },
  },
  {
    name: 'basic-auth: the right credentials pass',
    request: { path: '/admin/dashboard', headers: [['authorization', `Basic ${Buffer.from('admin:s3cret').toString('base64')}`]] },
    ownAnswerHolds: 'welcome, admin',
  },
  { name: 'jwt: a signed token is issued', request: { path: '/token' } },
  { name: 'jwt: a valid bearer token passes', request: { path: '/jwt/me', headers: [['authorization', `Bearer ${token}`]] }, ownAnswerHolds: '"sub":"user-1"' },
  { name: 'jwt: no token is 401', request: { path: '/jwt/me' } },
  { name: 'jwt: a forged token is 401', request: { path: '/jwt/me', headers: [['authorization', `Bearer ${token.slice(0, -2)}xx`]] } },
  { name: 'cookies: several Set-Cookie headers, signed and deleted ones', request: { path: '/cookies/set' } },
  {
    name: 'cookies: request cookies, in two Cookie headers, read back and verified',
    request: {
      path: '/cookies/get',
      headers: [
        ['cookie', 'theme=dark; session=abc%20123'],
        ['cookie', 'signed=trusted.wrongsignature'],
      ],
    },
  },
  {
    name: 'streamSSE: events with ids, names and multi-line data',
    request: { path: '/sse', headers: [['accept', 'text/event-stream']] },
    ownAnswerHolds: 'event: done',
  },
  {
    name: 'parseBody: multipart fields, a repeated field and a file',
    request: { method: 'POST', path: '/form', headers: [['content-type', form.contentType]], body: form.body },
    ownAnswerHolds: 'notes.txt',
  },
  {
    name: 'parseBody: a urlencoded form',
    request: { method: 'POST', path: '/form', headers: [['content-type', 'application/x-www-form-urlencoded']], body: 'a=1&b=two+words&c=%C3%A9' },
  },
  { name: 'a JSON body is parsed', request: { method: 'POST', path: '/json', headers: [['content-type', 'application/json']], body: '{"n":1,"s":"ü"}' } },
  {
    name: 'a malformed JSON body is an error answer',
    request: { method: 'POST', path: '/json', headers: [['content-type', 'application/json']], body: '{"n":' },
  },
  { name: 'PUT with a UTF-8 text body', request: { method: 'PUT', path: '/text', headers: [['content-type', 'text/plain; charset=utf-8']], body: 'héllo ✓' } },
  { name: 'DELETE answered 204', request: { method: 'DELETE', path: '/items/7' } },
  {
    name: 'the app sees the URL, the query and the request headers',
    request: {
      path: '/echo/a%20b/caf%C3%A9?x=1&x=2&y=%20z',
      headers: [
        ['x-custom', 'one'],
        ['x-custom', 'two'],
        ['x_under', 'kept?'],
      ],
    },
    known: [hostWithoutPort('headers.host'), underscoreHeaderDropped('headers.x_under')],
  },
  {
    name: 'a chunked upload reaches the app whole',
    request: { method: 'POST', path: '/echo/upload', headers: [['content-type', 'application/json']], body: chunkedBody, chunked: true },
    ownAnswerHolds: '"bodyLength":5013',
    known: [hostWithoutPort('headers.host'), ...chunkedUploadBuffered('headers.content-length', chunkedBody.length)],
  },
  { name: 'a redirect keeps its relative Location', request: { path: '/redirect' } },
  { name: 'a permanent redirect to another site', request: { path: '/redirect/permanent' } },
  { name: 'a 418 status with a body', request: { path: '/status/418' } },
  ...[413, 422, 425, 451, 429, 503, 299, 599].map((code) => ({ name: `status ${code}`, request: { path: `/status/${code}` } })),
  { name: 'a 304 with an ETag and no body', request: { path: '/not-modified' } },
  { name: 'a 640 kB body arrives byte-exact', request: { path: '/big' } },
  { name: 'HEAD of a 640 kB body', request: { method: 'HEAD', path: '/big' } },
  { name: 'a streamed body arrives whole', request: { path: '/stream' } },
  { name: 'an HTTPException becomes its status', request: { path: '/unauthorized' } },
  { name: 'a throwing handler is a 500 from the app', request: { path: '/throw' } },
  { name: 'proxy(): GET through to the upstream, Set-Cookie kept', request: { path: '/proxy/echo?q=1', headers: [['x-custom', 'to-upstream']] } },
  {
    name: 'proxy(): a POST body through to the upstream',
    request: { method: 'POST', path: '/proxy/echo', headers: [['content-type', 'text/plain']], body: 'forwarded body' },
  },
  { name: "proxy(): the upstream's 404", request: { path: '/proxy/missing' } },
  {
    name: 'proxy(): a gzip-encoded upstream answer',
    request: { path: '/proxy/gzip', headers: [['accept-encoding', 'gzip']] },
    ownAnswerHolds: 'the upstream says hello',
  },
  {
    name: 'proxy(): a brotli-encoded upstream answer',
    request: { path: '/proxy/br', headers: [['accept-encoding', 'br']] },
    ownAnswerHolds: 'the upstream says hello',
  },
];

describeRealApp({
  app: 'hono',
  async setup() {
    const upstream = await startUpstream();
    return { env: { UPSTREAM_URL: upstream.url }, teardown: () => upstream.close() };
  },
  exchanges,
  ownServerDepartures: [HONO_NODE_SERVER_TEXT_TYPE],
});
