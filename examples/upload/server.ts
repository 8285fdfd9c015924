// Run: FASTCGI_LISTEN=/tmp/upload.sock npx tsx examples/upload/server.ts
// nginx: raise client_max_body_size (default 1m) for uploads.
import { serve } from 'fastcgi-fetch';
import app from './app.js';

const server = await serve(app, { maxBodySize: 11 * 1024 * 1024 }).ready();
console.log('upload example: listening on', server.address);
process.once('SIGTERM', () => void server.close());
process.once('SIGINT', () => void server.close());
