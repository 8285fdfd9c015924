// Run: FASTCGI_LISTEN=/tmp/weather.sock npx tsx examples/upstream-api/server.ts
import { serve } from 'fastcgi-fetch';
import app from './app.js';

const server = await serve(app).ready();
console.log('upstream-api example: listening on', server.address);
process.once('SIGTERM', () => void server.close());
process.once('SIGINT', () => void server.close());
