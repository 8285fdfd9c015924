import type { FastCGIContext } from 'fastcgi-fetch';
import { createClient, type FastCGIClient } from 'fastcgi-fetch/client';

export interface PhpProxyOptions {
  /** php-fpm's Unix socket, e.g. /run/php/php8.2-fpm.sock. */
  socket: string;
  /** Where the .php files live (php-fpm must be able to read them). */
  documentRoot: string;
  /** Script for paths ending in "/"; default index.php. */
  index?: string;
}

/**
 * A fetch handler that serves PHP pages by passing requests on to php-fpm, as nginx's
 * `fastcgi_pass` does: the browser's address and scheme travel as CGI params.
 */
export function createPhpProxy(options: PhpProxyOptions): { fetch(request: Request, context: FastCGIContext): Promise<Response>; close(): Promise<void> } {
  const root = options.documentRoot.replace(/\/+$/, '');
  const php: FastCGIClient = createClient({ path: options.socket }, { documentRoot: root, multiplex: false });
  return {
    async fetch(request, context) {
      let path: string;
      try {
        path = decodeURIComponent(new URL(request.url).pathname);
      } catch {
        return new Response('bad request\n', { status: 400 });
      }
      if (path.endsWith('/')) path += options.index ?? 'index.php';
      if (!path.endsWith('.php') || path.includes('\0')) return new Response('not found\n', { status: 404 });
      try {
        return await php.fetch(request, {
          params: {
            SCRIPT_NAME: path,
            SCRIPT_FILENAME: root + path,
            REMOTE_ADDR: context.remoteAddress,
            REMOTE_PORT: context.remotePort === undefined ? undefined : String(context.remotePort),
            HTTPS: context.https ? 'on' : undefined,
          },
          onStderr: (line) => context.log(`php: ${line}`),
        });
      } catch (error) {
        context.log(`php-fpm failed: ${(error as Error).message}`);
        return new Response('Bad Gateway\n', { status: 502 });
      }
    },
    close: () => php.close(),
  };
}
