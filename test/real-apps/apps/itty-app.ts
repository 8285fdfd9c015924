/** An itty-router AutoRouter app as in itty's own guides: CORS, params, content, errors. */
import { AutoRouter, StatusError, cors, error, html, json, status, text, withContent, withParams, type IRequest } from 'itty-router';

const { preflight, corsify } = cors({ origin: ['https://app.example'], credentials: true, exposeHeaders: ['x-total'], maxAge: 300 });

const router = AutoRouter({ before: [preflight], finally: [corsify] });

router
  .get('/', () => 'Hello itty!')
  .get('/text', () => text('plain text'))
  .get('/html', () => html('<h1>itty</h1>'))
  .get('/items', () => json([{ id: 1 }, { id: 2 }], { headers: { 'x-total': '2' } }))
  .get('/items/:id', withParams, ({ id }: IRequest) => ({ id, kind: 'item' }))
  .get('/files/:path+', ({ params }) => ({ path: params.path }))
  .get('/search', ({ query }) => ({ query }))
  .post('/items', withContent, ({ content }: IRequest) => json({ created: content }, { status: 201, headers: { location: '/items/3' } }))
  .put('/echo', async (request) => text(await request.text(), { headers: { 'content-type': request.headers.get('content-type') ?? 'text/plain' } }))
  .delete('/items/:id', () => status(204))
  .get('/teapot', () => error(418, 'short and stout'))
  .get('/forbidden', () => {
    throw new StatusError(403, 'not you');
  })
  .get('/throw', () => {
    throw new Error('boom');
  })
  .get('/headers', (request) => ({
    host: request.headers.get('host'),
    url: request.url,
    custom: request.headers.get('x-custom'),
    under: request.headers.get('x_under'),
  }))
  .get('/cookies', () => {
    const headers = new Headers({ 'content-type': 'text/plain' });
    headers.append('set-cookie', 'a=1; Path=/');
    headers.append('set-cookie', 'b=2; Path=/; HttpOnly');
    return new Response('two cookies', { headers });
  })
  .get('/redirect', () => new Response(null, { status: 302, headers: { location: '/text' } }))
  .all('/any', (request) => ({ method: request.method }));

export default router;
