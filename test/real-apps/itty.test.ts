/**
 * An itty-router AutoRouter app under itty's Node setup (@whatwg-node/server on node:http) and
 * under fastcgi-fetch behind nginx.
 */
import { describeRealApp, type Exchange } from './harness.js';
import { WHATWG_NODE_EMPTY_REASON } from './own-server-departures.js';
import { hostWithoutPort, underscoreHeaderDropped } from './nginx-differences.js';

const upload = 'itty upload ✓ '.repeat(500);

const exchanges: Exchange[] = [
  { name: 'GET / answers JSON (AutoRouter formats what a route returns)', request: { path: '/' } },
  { name: 'HEAD / answers the headers of GET without the body', request: { method: 'HEAD', path: '/' } },
  { name: 'text() and html() helpers', request: { path: '/text' } },
  { name: 'html()', request: { path: '/html' } },
  { name: 'json() with a header of its own', request: { path: '/items' } },
  { name: 'route params', request: { path: '/items/42' } },
  { name: 'a greedy param keeps the rest of the path', request: { path: '/files/a/b/c%20d.txt' } },
  { name: 'the query, repeated keys as arrays', request: { path: '/search?q=itty&tag=a&tag=b&empty=' } },
  {
    name: 'withContent parses a JSON body, 201 with Location',
    request: { method: 'POST', path: '/items', headers: [['content-type', 'application/json']], body: '{"name":"new ✓"}' },
  },
  {
    name: 'PUT echoes the body and its type',
    request: { method: 'PUT', path: '/echo', headers: [['content-type', 'text/plain; charset=utf-8']], body: 'héllo itty' },
  },
  {
    name: 'a chunked PUT reaches the route whole',
    request: { method: 'PUT', path: '/echo', headers: [['content-type', 'text/plain; charset=utf-8']], body: upload, chunked: true },
  },
  { name: 'status(204) for DELETE', request: { method: 'DELETE', path: '/items/1' } },
  { name: 'error(418, message)', request: { path: '/teapot' } },
  { name: 'a thrown StatusError becomes its status', request: { path: '/forbidden' } },
  { name: 'a thrown Error is a 500 from the router', request: { path: '/throw' } },
  { name: 'an unknown path is the router’s 404', request: { path: '/nowhere' } },
  { name: 'a wrong method is the router’s 404', request: { method: 'PATCH', path: '/items/1' } },
  {
    name: 'the request headers and URL the route sees',
    request: {
      path: '/headers?x=1',
      headers: [
        ['x-custom', 'a'],
        ['x-custom', 'b'],
        ['x_under', 'dropped?'],
      ],
    },
    known: [hostWithoutPort('host'), underscoreHeaderDropped('under')],
  },
  { name: 'two Set-Cookie headers stay two', request: { path: '/cookies' } },
  { name: 'a redirect keeps its Location', request: { path: '/redirect' } },
  { name: 'all() takes any method', request: { method: 'OPTIONS', path: '/any' } },
  {
    name: 'cors: the preflight',
    request: {
      method: 'OPTIONS',
      path: '/items',
      headers: [
        ['origin', 'https://app.example'],
        ['access-control-request-method', 'POST'],
        ['access-control-request-headers', 'content-type'],
      ],
    },
  },
  { name: 'cors: corsify on an allowed origin', request: { path: '/items', headers: [['origin', 'https://app.example']] } },
  { name: 'cors: corsify on another origin', request: { path: '/items', headers: [['origin', 'https://evil.example']] } },
  { name: 'cors: corsify on an error', request: { path: '/teapot', headers: [['origin', 'https://app.example']] } },
];

describeRealApp({ app: 'itty', exchanges, ownServerDepartures: [WHATWG_NODE_EMPTY_REASON] });
