import type { FastCGIContext } from 'fastcgi-fetch';

const encoder = new TextEncoder();

/** Live state the test can look at: streams open now. */
export const openStreams = { count: 0 };

/**
 * Server-sent events: one `tick` event every `interval` ms until the browser leaves. The
 * stream stops when the web server drops the connection (its `cancel` runs).
 */
export function createSseApp(interval = 1000) {
  return {
    fetch(request: Request, _context: FastCGIContext): Response {
      if (new URL(request.url).pathname !== '/events') return new Response('not found\n', { status: 404 });
      let timer: ReturnType<typeof setInterval> | undefined;
      let n = 0;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          openStreams.count++;
          controller.enqueue(encoder.encode(': connected\n\n'));
          timer = setInterval(() => {
            n++;
            controller.enqueue(encoder.encode(`event: tick\nid: ${n}\ndata: ${JSON.stringify({ n })}\n\n`));
          }, interval);
        },
        cancel() {
          clearInterval(timer);
          openStreams.count--;
        },
      });
      return new Response(body, {
        headers: {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          // nginx buffers FastCGI responses unless told not to.
          'x-accel-buffering': 'no',
        },
      });
    },
  };
}

export default createSseApp();
