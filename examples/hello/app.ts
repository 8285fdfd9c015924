import type { FastCGIContext } from 'fastcgi-fetch';

/** The smallest app: `export default { fetch }`, as Workers, Bun and Deno write it. */
export default {
  fetch(request: Request, context: FastCGIContext): Response {
    const { pathname } = new URL(request.url);
    return new Response(`Hello, world! You asked for ${pathname} from ${context.remoteAddress ?? 'somewhere'}.\n`, {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  },
};
