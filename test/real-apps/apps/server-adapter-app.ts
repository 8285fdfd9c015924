/** A plain @whatwg-node/server app: one handler, routing by hand, Response objects of its own. */
import { createServerAdapter } from '@whatwg-node/server';

const encoder = new TextEncoder();

const adapter = createServerAdapter(async (request: Request) => {
  const url = new URL(request.url);
  switch (url.pathname) {
    case '/':
      return new Response('Hello from createServerAdapter');
    case '/json':
      return Response.json({ ok: true, query: Object.fromEntries(url.searchParams) }, { headers: { 'x-app': 'adapter' } });
    case '/echo':
      return new Response(await request.arrayBuffer(), {
        status: 200,
        headers: { 'content-type': request.headers.get('content-type') ?? 'application/octet-stream', 'x-method': request.method },
      });
    case '/form': {
      const form = await request.formData();
      const out: Record<string, unknown> = {};
      for (const [name, value] of form) {
        out[name] = typeof value === 'string' ? value : { file: value.name, size: value.size, type: value.type, text: await value.text() };
      }
      return Response.json(out);
    }
    case '/stream':
      return new Response(
        new ReadableStream<Uint8Array>({
          async start(controller) {
            for (let i = 1; i <= 3; i++) {
              controller.enqueue(encoder.encode(`data: ${i}\n\n`));
              await new Promise((resolve) => setTimeout(resolve, 10));
            }
            controller.close();
          },
        }),
        { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } },
      );
    case '/cookies': {
      const response = new Response('cookies', { headers: { 'content-type': 'text/plain' } });
      response.headers.append('set-cookie', 'x=1; Path=/');
      response.headers.append('set-cookie', 'y=2; Path=/; Secure');
      return response;
    }
    case '/status':
      return new Response('teapot', { status: 418, statusText: 'I am a teapot' });
    case '/empty':
      return new Response(null, { status: 204 });
    case '/redirect':
      return Response.redirect(new URL('/json?from=redirect', url), 307);
    case '/headers':
      return Response.json({
        url: request.url,
        host: request.headers.get('host'),
        custom: request.headers.get('x-custom'),
        under: request.headers.get('x_under'),
      });
    case '/throw':
      throw new Error('handler failed');
    default:
      return new Response('not found', { status: 404 });
  }
});

export default adapter;
