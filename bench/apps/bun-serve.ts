/** Bun's own HTTP server (`Bun.serve`) serving the bench app on the Unix socket given as argv[2]. */
import { app } from './hono-app.js';

declare const Bun: {
  serve(options: { unix: string; maxRequestBodySize?: number; fetch: (request: Request) => Response | Promise<Response> }): { stop(): void };
};

const path = process.argv[2];
if (!path) throw new Error('usage: bun-serve.ts <socket path>');

// Bun.serve answers 413 past 128 MiB by default; the memory measurements upload 1 GiB, as
// fastcgi-fetch's bench app allows (bench/apps/fastcgi-fetch.ts).
const server = Bun.serve({ unix: path, maxRequestBodySize: 4 * 1024 ** 3, fetch: app.fetch });
const stop = () => {
  server.stop();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
