import { Hono } from 'hono';
import { getConnInfo, type FastCGIEnv } from 'fastcgi-fetch/adapters/hono';

/** A Hono app whose `c.env` is the FastCGI context. */
const app = new Hono<FastCGIEnv>();

app.get('/', (c) => c.text('Hello from Hono behind FastCGI!\n'));

app.get('/hello/:name', (c) => c.json({ hello: c.req.param('name') }));

app.get('/whoami', (c) => {
  const { remote } = getConnInfo(c);
  return c.json({ address: remote.address ?? null, https: c.env.https, server: c.env.serverName ?? null });
});

app.post('/echo', async (c) => c.json({ received: await c.req.json<unknown>() }));

app.get('/log', (c) => {
  // Lands in the web server's error log (FCGI_STDERR).
  c.env.log(`visited /log from ${c.env.remoteAddress}`);
  return c.text('logged\n');
});

app.notFound((c) => c.json({ error: 'not found', path: c.req.path }, 404));
app.onError((error, c) => {
  c.env.log(`error: ${error.message}`);
  return c.json({ error: 'internal error' }, 500);
});

export default app;
