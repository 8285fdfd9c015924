// Run: FASTCGI_LISTEN=/tmp/sse.sock npx tsx examples/sse/server.ts
import { serve } from 'fastcgi-fetch';
import app from './app.js';

const server = await serve(app).ready();
console.log('sse example: listening on', server.address);
process.once('SIGTERM', () => void server.close({ timeout: 1000 }));
process.once('SIGINT', () => void server.close({ timeout: 1000 }));
