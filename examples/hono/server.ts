// Run: FASTCGI_LISTEN=/tmp/hono.sock npx tsx examples/hono/server.ts   (or FASTCGI_LISTEN=127.0.0.1:9000)
// With no FASTCGI_LISTEN it takes a listening socket on fd 0 (spawned by the web server), else port 9000.
import { serve } from 'fastcgi-fetch';
import app from './app.js';

const server = await serve(app).ready();
console.log('hono example: listening on', server.address);
process.once('SIGTERM', () => void server.close());
process.once('SIGINT', () => void server.close());
