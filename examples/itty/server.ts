// Run: FASTCGI_LISTEN=/tmp/itty.sock npx tsx examples/itty/server.ts
import { serve } from 'fastcgi-fetch';
import router from './app.js';

const server = await serve(router).ready();
console.log('itty example: listening on', server.address);
process.once('SIGTERM', () => void server.close());
process.once('SIGINT', () => void server.close());
