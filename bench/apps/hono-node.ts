/** @hono/node-server serving the bench app over HTTP on the Unix socket given as argv[2]. */
import { createAdaptorServer } from '@hono/node-server';
import { app } from './hono-app.js';

const path = process.argv[2];
if (!path) throw new Error('usage: hono-node.ts <socket path>');

const server = createAdaptorServer({ fetch: app.fetch });
server.listen(path);
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
