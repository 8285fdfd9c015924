/** Bun's own HTTP server (`Bun.serve`) serving the bench app on the Unix socket given as argv[2]. */
import { app } from './hono-app.js';

declare const Bun: {
  serve(options: { unix: string; fetch: (request: Request) => Response | Promise<Response> }): { stop(): void };
};

const path = process.argv[2];
if (!path) throw new Error('usage: bun-serve.ts <socket path>');

const server = Bun.serve({ unix: path, fetch: app.fetch });
const stop = () => {
  server.stop();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
