/** The fuzzed handler: every way a handler can behave (read, stream, throw, wait for abort). */
import type { FetchHandler } from '../../src/types.js';

const encoder = new TextEncoder();

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export const fuzzApp: FetchHandler = async (request) => {
  const path = new URL(request.url).pathname;
  switch (path) {
    case '/hello':
      return new Response('Hello, world!', { headers: { 'set-cookie': 'a=1' } });
    case '/echo': {
      const body = await request.arrayBuffer();
      return new Response(body, { status: 201 });
    }
    case '/stream': {
      let left = 3;
      return new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            await tick();
            if (left-- > 0) controller.enqueue(encoder.encode('chunk\n'));
            else controller.close();
          },
        }),
      );
    }
    case '/throw':
      throw new Error('handler failed');
    case '/reject':
      await tick();
      throw new TypeError('handler failed later');
    case '/wait-abort':
      // Only an abort ends it: a request left open when the connection goes is a hang.
      await new Promise<void>((resolve) => request.signal.addEventListener('abort', () => resolve(), { once: true }));
      return new Response('aborted');
    case '/body-error':
      return new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            controller.enqueue(encoder.encode('partial'));
            await tick();
            controller.error(new Error('body failed'));
          },
        }),
      );
    case '/big':
      return new Response(new Uint8Array(200_000));
    default:
      return undefined as unknown as Response;
  }
};
