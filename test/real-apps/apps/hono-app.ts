/**
 * A Hono app as its users write one: middleware from hono itself, a proxy to another service
 * (UPSTREAM_URL), nothing that knows which server runs it.
 */
import { Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { compress } from 'hono/compress';
import { deleteCookie, getCookie, getSignedCookie, setCookie, setSignedCookie } from 'hono/cookie';
import { cors } from 'hono/cors';
import { etag } from 'hono/etag';
import { HTTPException } from 'hono/http-exception';
import { jwt, sign } from 'hono/jwt';
import { proxy } from 'hono/proxy';
import { streamSSE } from 'hono/streaming';

const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:8080';
const JWT_SECRET = 'real-apps-jwt-secret';
const COOKIE_SECRET = 'real-apps-cookie-secret';

const app = new Hono();

app.use(
  '/api/*',
  cors({ origin: ['https://app.example'], allowHeaders: ['X-Custom', 'Content-Type'], exposeHeaders: ['X-Total'], maxAge: 600, credentials: true }),
);
app.use('/etag/*', etag());
app.use('/compressed/*', compress());
app.use('/admin/*', basicAuth({ username: 'admin', password: 's3cret' }));
app.use('/jwt/*', jwt({ secret: JWT_SECRET, alg: 'HS256' }));

app.get('/', (c) => c.text('Hello Hono!'));

app.get('/api/items', (c) => {
  c.header('X-Total', '2');
  return c.json([{ id: 1 }, { id: 2 }]);
});
app.post('/api/items', async (c) => c.json({ created: await c.req.json() }, 201));

app.get('/etag/doc', (c) => c.text('a document whose etag is computed from its body'));

app.get('/compressed/text', (c) => c.text('compress me please '.repeat(200)));
app.get('/compressed/tiny', (c) => c.text('tiny'));

app.get('/admin/dashboard', (c) => c.text('welcome, admin'));

app.get('/token', async (c) => c.json({ token: await sign({ sub: 'user-1', role: 'reader' }, JWT_SECRET) }));
app.get('/jwt/me', (c) => c.json(c.get('jwtPayload')));

app.get('/cookies/set', async (c) => {
  setCookie(c, 'session', 'abc 123', { path: '/', httpOnly: true, sameSite: 'Lax', maxAge: 3600 });
  setCookie(c, 'theme', 'dark', { path: '/cookies' });
  await setSignedCookie(c, 'signed', 'trusted', COOKIE_SECRET, { path: '/' });
  deleteCookie(c, 'old', { path: '/' });
  return c.text('cookies set');
});
app.get('/cookies/get', async (c) =>
  c.json({ all: getCookie(c), theme: getCookie(c, 'theme') ?? null, signed: await getSignedCookie(c, COOKIE_SECRET, 'signed') }),
);

app.get('/sse', (c) =>
  streamSSE(c, async (stream) => {
    for (let id = 1; id <= 3; id++) {
      await stream.writeSSE({ id: String(id), event: 'tick', data: JSON.stringify({ n: id }) });
      await stream.sleep(20);
    }
    await stream.writeSSE({ event: 'done', data: 'bye\nsee you' });
  }),
);

app.post('/form', async (c) => {
  const body = await c.req.parseBody({ all: true });
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    const describe = async (v: unknown) => (v instanceof File ? { file: v.name, type: v.type, size: v.size, text: await v.text() } : v);
    fields[name] = Array.isArray(value) ? await Promise.all(value.map(describe)) : await describe(value);
  }
  return c.json(fields);
});

app.post('/json', async (c) => c.json({ received: await c.req.json() }));
app.put('/text', async (c) => c.text(`PUT ${await c.req.text()}`));
app.delete('/items/:id', (c) => c.body(null, 204));

/** What the app sees of the request: the URL and a few headers a proxy may touch. */
app.all('/echo/*', async (c) => {
  const pick = ['host', 'content-length', 'transfer-encoding', 'content-type', 'x-custom', 'x_under', 'cookie', 'accept-encoding'];
  const headers: Record<string, string | null> = {};
  for (const name of pick) headers[name] = c.req.header(name) ?? null;
  const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? '' : await c.req.text();
  return c.json({ method: c.req.method, url: c.req.url, path: c.req.path, query: c.req.queries(), headers, bodyLength: body.length, body: body.slice(0, 64) });
});

app.get('/redirect', (c) => c.redirect('/echo/target?from=redirect'));
app.get('/redirect/permanent', (c) => c.redirect('https://elsewhere.example/', 301));
app.get('/status/:code', (c) => c.text(`status ${c.req.param('code')}`, Number(c.req.param('code')) as 418));
app.get('/not-modified', (c) => {
  c.header('ETag', '"v1"');
  return c.body(null, 304);
});
app.get('/big', (c) => c.text('0123456789abcdef'.repeat(40_000)));
app.get('/stream', (c) => {
  const encoder = new TextEncoder();
  let n = 0;
  return c.body(
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        n++;
        if (n > 5) return controller.close();
        await new Promise((resolve) => setTimeout(resolve, 5));
        controller.enqueue(encoder.encode(`chunk ${n}\n`));
      },
    }),
    200,
    { 'content-type': 'text/plain; charset=utf-8' },
  );
});

app.get('/unauthorized', () => {
  throw new HTTPException(401, { message: 'no entry' });
});
app.get('/throw', () => {
  throw new Error('boom');
});

// Hono's proxy() helper: forwards the browser's request to the upstream service.
app.all('/proxy/*', (c) =>
  proxy(`${upstream}${c.req.path.slice('/proxy'.length)}${new URL(c.req.url).search}`, {
    ...c.req,
    headers: { ...c.req.header(), 'x-forwarded-for': '127.0.0.1', host: undefined },
  }),
);
// The shortcut users also write: hand the upstream's fetch() response back as it is.
app.get('/forward/*', (c) => fetch(`${upstream}${c.req.path.slice('/forward'.length)}`));
// The same, asking the upstream for what the browser accepts (brotli, say).
app.get('/forward-accepting/*', (c) =>
  fetch(`${upstream}${c.req.path.slice('/forward-accepting'.length)}`, { headers: { 'accept-encoding': c.req.header('accept-encoding') ?? '' } }),
);

export default app;
