import { AutoRouter, text, type IRequest } from 'itty-router';
import { withConnInfo, type FastCGIArgs, type FastCGIRequest } from 'fastcgi-fetch/adapters/itty';

/** An itty-router app; handlers get `(request, context, executionContext)`. */
const router = AutoRouter<IRequest, FastCGIArgs>({ before: [withConnInfo] });

router.get('/', () => text('Hello from itty-router behind FastCGI!'));
router.get('/items/:id', ({ params, query }) => ({ id: params.id, sort: query.sort ?? 'none' }));
router.get('/ip', (request) => ({ ip: (request as FastCGIRequest).remote.address ?? null }));
router.post('/items', async (request, context) => {
  const item = await request.json();
  context.log(`created an item: ${JSON.stringify(item)}`);
  return new Response(JSON.stringify({ created: item }), { status: 201, headers: { 'content-type': 'application/json' } });
});

export default router;
