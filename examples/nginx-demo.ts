/**
 * `npm start`: the example Hono app served by fastcgi-fetch on a Unix socket, behind a real
 * nginx configured with examples/config/nginx.conf. Prints the URL to open; Ctrl-C stops both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from 'fastcgi-fetch';
import { startNginx } from '../test/servers/nginx.js';
import { installed } from '../test/servers/web-server.js';
import app from './hono/app.js';

if (!installed('nginx')) {
  console.error('nginx is not installed: run `sudo apt-get install nginx` (or `npx tsx examples/hono/server.ts` to serve FastCGI only).');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'fastcgi-fetch-demo-'));
const server = await serve(app, { path: join(dir, 'app.sock'), socketMode: 0o666 }).ready();
const nginx = await startNginx({ upstream: { path: join(dir, 'app.sock') }, keepConn: true });
console.log(`fastcgi-fetch: the example Hono app is behind nginx at ${nginx.url}/ (Ctrl-C to stop)`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await nginx.stop();
  await server.close({ timeout: 2000 });
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
