/**
 * `npm start`: the example Hono app served by fastcgi-fetch on a Unix socket, behind a real
 * nginx configured with examples/config/nginx.conf. Prints the URL to open; Ctrl-C stops both.
 * Without nginx it runs `fastcgi-fetch dev` instead: an HTTP front that still speaks real
 * FastCGI to the app.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from 'fastcgi-fetch';
import { startNginx } from '../test/servers/nginx.js';
import { installed } from '../test/servers/web-server.js';
import app from './hono/app.js';

if (!installed('nginx')) {
  console.log('nginx is not installed (apt-get install nginx): starting the development front instead.');
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const appModule = fileURLToPath(new URL('./hono/app.ts', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, cli, 'dev', appModule], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  await new Promise(() => {});
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
