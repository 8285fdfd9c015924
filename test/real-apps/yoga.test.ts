/**
 * A GraphQL Yoga server under node:http's createServer(yoga) and under fastcgi-fetch behind
 * nginx: queries, errors, uploads (GraphQL multipart request spec), a subscription over SSE,
 * and a query the browser leaves, whose resolver must see the cancellation.
 */
import { send, type Observation } from './client.js';
import { describeRealApp, type Exchange } from './harness.js';
import { multipart } from './multipart.js';
import { NODE_HTTP_204_CONTENT_LENGTH, WHATWG_NODE_EMPTY_REASON } from './own-server-departures.js';

const json = (query: string, variables?: Record<string, unknown>) => JSON.stringify(variables ? { query, variables } : { query });
const post = (body: string, accept = 'application/graphql-response+json') => ({
  method: 'POST',
  path: '/graphql',
  headers: [
    ['content-type', 'application/json'],
    ['accept', accept],
  ] as Array<[string, string]>,
  body,
});

const oneFile = multipart([
  { name: 'operations', value: json('mutation ($file: File!) { readFile(file: $file) { name type size text } }', { file: null }) },
  { name: 'map', value: JSON.stringify({ 0: ['variables.file'] }) },
  { name: '0', filename: 'hello.txt', type: 'text/plain', content: 'hello from an upload ✓\n' },
]);
const twoFiles = multipart([
  { name: 'operations', value: json('mutation ($files: [File!]!) { readFiles(files: $files) { name type size text } }', { files: [null, null] }) },
  { name: 'map', value: JSON.stringify({ a: ['variables.files.0'], b: ['variables.files.1'] }) },
  { name: 'a', filename: 'a.json', type: 'application/json', content: '{"a":1}' },
  { name: 'b', filename: 'b.bin', type: 'application/octet-stream', content: new Uint8Array(40_000).fill(0x61) },
]);

/** Leaves a slow query after 300 ms, then asks the app whether its resolver saw the cancellation. */
async function leaveSlowQuery(origin: string, variant: string): Promise<Observation> {
  const id = `left-${variant}`;
  await send(origin, { ...post(json(`{ slow(id: "${id}") }`)), leaveAfterMs: 300 });
  const deadline = Date.now() + 5000;
  for (;;) {
    const answer = await send(origin, post(json(`{ cancelled(id: "${id}") }`)));
    if (answer.body.toString().includes('true') || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const exchanges: Exchange[] = [
  { name: 'a GET query', request: { path: '/graphql?query=%7Bhello%7D', headers: [['accept', 'application/graphql-response+json']] } },
  { name: 'a GET query asking for plain JSON', request: { path: '/graphql?query=%7Bhello(name%3A%22get%22)%7D', headers: [['accept', 'application/json']] } },
  { name: 'a POST query with variables', request: post(json('query ($n: String) { hello(name: $n) }', { n: 'Wörld' })) },
  { name: 'a resolver error is masked in a 200', request: post(json('{ fail hello }')) },
  { name: 'a syntax error is 400', request: post(json('{ hello ')) },
  { name: 'an unknown field is a validation error', request: post(json('{ nope }')) },
  {
    name: 'a mutation over GET is 405',
    request: { path: '/graphql?query=mutation%7BreadFile(file%3Anull)%7Bname%7D%7D', headers: [['accept', 'application/json']] },
  },
  { name: 'a body that is not JSON is 400', request: { method: 'POST', path: '/graphql', headers: [['content-type', 'application/json']], body: '{"query":' } },
  {
    name: 'the resolver sees a request header',
    request: { ...post(json('{ header(name: "x-custom") }')), headers: [...post('').headers, ['x-custom', 'from the browser']] },
  },
  {
    name: 'a file upload (multipart request spec)',
    request: { method: 'POST', path: '/graphql', headers: [['content-type', oneFile.contentType]], body: oneFile.body },
    ownAnswerHolds: 'hello from an upload',
  },
  {
    name: 'two files, one of 40 kB',
    request: { method: 'POST', path: '/graphql', headers: [['content-type', twoFiles.contentType]], body: twoFiles.body },
    ownAnswerHolds: '"size":40000',
  },
  {
    name: 'a subscription over server-sent events',
    request: post(json('subscription { countdown(from: 3) }'), 'text/event-stream'),
    ownAnswerHolds: '{"countdown":0}',
  },
  {
    name: 'a CORS preflight',
    request: {
      method: 'OPTIONS',
      path: '/graphql',
      headers: [
        ['origin', 'https://app.example'],
        ['access-control-request-method', 'POST'],
        ['access-control-request-headers', 'content-type'],
      ],
    },
    known: [NODE_HTTP_204_CONTENT_LENGTH],
  },
  { name: 'a cross-origin query', request: { ...post(json('{ hello }')), headers: [...post('').headers, ['origin', 'https://app.example']] } },
  { name: 'GraphiQL for a browser', request: { path: '/graphql', headers: [['accept', 'text/html']] } },
  { name: 'another path is 404', request: { path: '/elsewhere', headers: [['accept', 'application/json']] } },
  { name: 'the resolver of a query the browser left sees the cancellation', run: leaveSlowQuery, ownAnswerHolds: '{"data":{"cancelled":true}}' },
];

describeRealApp({ app: 'yoga', exchanges, ownServerDepartures: [WHATWG_NODE_EMPTY_REASON] });
