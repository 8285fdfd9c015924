// Run: FASTCGI_LISTEN=/tmp/authorizer.sock npx tsx examples/authorizer/server.ts
// then point lighttpd's mod_fastcgi at it with "mode" => "authorizer" (see examples/config/).
import { serve } from 'fastcgi-fetch';
import app from './app.js';

const server = await serve(app).ready();
console.log('authorizer example: listening on', server.address);
process.once('SIGTERM', () => void server.close());
process.once('SIGINT', () => void server.close());
