// Run: PHP_FPM_SOCKET=/run/php/php8.2-fpm.sock PHP_ROOT=/var/www/html FASTCGI_LISTEN=/tmp/php-proxy.sock \
//        npx tsx examples/php-proxy/server.ts
import { serve } from 'fastcgi-fetch';
import { createPhpProxy } from './app.js';

const proxy = createPhpProxy({
  socket: process.env.PHP_FPM_SOCKET ?? '/run/php/php8.2-fpm.sock',
  documentRoot: process.env.PHP_ROOT ?? '/var/www/html',
});
const server = await serve(proxy).ready();
console.log('php proxy example: listening on', server.address);
async function stop(): Promise<void> {
  await server.close();
  await proxy.close();
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
