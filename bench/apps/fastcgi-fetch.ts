/** fastcgi-fetch serving the bench app on the Unix socket given as argv[2]. */
import { app } from './hono-app.js';

// The built package, as users run it (bench/lib/setup.ts builds it); the path is computed so
// that type-checking does not need dist/. FASTCGI_FETCH_DIST points at another build (the bench's
// compare contender).
const dist = process.env.FASTCGI_FETCH_DIST
  ? new URL('src/index.js', `file://${process.env.FASTCGI_FETCH_DIST.replace(/\/?$/, '/')}`).href
  : new URL('../../dist/src/index.js', import.meta.url).href;
const { serve } = (await import(dist)) as typeof import('../../src/index.js');

const path = process.argv[2];
if (!path) throw new Error('usage: fastcgi-fetch.ts <socket path>');

// Raised limits: the memory measurements hold 10,000 requests and upload 1 GiB.
const server = serve(app, {
  path,
  maxRequests: 20_000,
  maxConnections: 20_000,
  maxBodySize: 4 * 1024 ** 3,
});
await server.ready();
const stop = () => void server.close({ timeout: 1000 }).then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
