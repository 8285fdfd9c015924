// Run: FASTCGI_LISTEN=/tmp/hello.sock npx tsx examples/hello/server.ts   (or FASTCGI_LISTEN=9000)
import { serve } from 'fastcgi-fetch';
import app from './app.js';

const server = await serve(app).ready();
console.log('hello: listening on', server.address);
process.once('SIGTERM', () => void server.close());
process.once('SIGINT', () => void server.close());
