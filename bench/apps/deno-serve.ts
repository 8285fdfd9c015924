/** Deno's own HTTP server (`Deno.serve`) serving the bench app on the Unix socket given as argv[2]. */
import { app } from './hono-app.js';

declare const Deno: {
  serve(
    options: { transport: 'unix'; path: string; onListen?: () => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
};

const path = process.argv[2];
if (!path) throw new Error('usage: deno-serve.ts <socket path>');

const server = Deno.serve({ transport: 'unix', path, onListen: () => {} }, app.fetch);
const stop = () => void server.shutdown().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
