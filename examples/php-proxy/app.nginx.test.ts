import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type FastCGIServer } from 'fastcgi-fetch';
import { PHP_FPM, startPhpFpm, type PhpFpm } from '../../test/support/php-fpm.js';
import { startNginx } from '../../test/servers/nginx.js';
import { installed, type WebServer } from '../../test/servers/web-server.js';
import { createPhpProxy } from './app.js';

const ready = PHP_FPM !== undefined && installed('nginx');
if (!ready) console.log('skipping the php-proxy-behind-nginx test: needs the Debian packages nginx and php-fpm');

// browser → nginx → (FastCGI) → the proxy app → (FastCGI) → php-fpm
describe.skipIf(!ready)('the php-fpm proxy example behind nginx', () => {
  let dir: string;
  let fpm: PhpFpm;
  let proxy: ReturnType<typeof createPhpProxy>;
  let app: FastCGIServer;
  let nginx: WebServer;

  beforeAll(async () => {
    fpm = await startPhpFpm({
      'index.php': `<?php echo "index for ", $_SERVER['REMOTE_ADDR'], " via ", $_SERVER['REQUEST_METHOD'], " https=", $_SERVER['HTTPS'] ?? 'off';`,
      'form.php': `<?php
setcookie('seen', 'yes');
error_log('form posted by ' . ($_POST['name'] ?? 'nobody'));
http_response_code(201);
header('Content-Type: application/json');
echo json_encode(['name' => $_POST['name'] ?? null, 'script' => $_SERVER['SCRIPT_NAME'], 'q' => $_GET['q'] ?? null]);`,
      'upload.php': `<?php $body = file_get_contents('php://input'); echo strlen($body), ' ', md5($body);`,
      'flush.php': `<?php
header('X-Accel-Buffering: no');
echo "one\\n"; flush();
usleep(400000);
echo "two\\n";`,
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcgi-php-proxy-nginx-'));
    proxy = createPhpProxy({ socket: fpm.socket, documentRoot: fpm.root });
    app = await serve(proxy, { path: path.join(dir, 'app.sock') }).ready();
    nginx = await startNginx({ upstream: { path: path.join(dir, 'app.sock') } });
  });

  afterAll(async () => {
    await nginx?.stop();
    await app?.close({ timeout: 1000 });
    await proxy?.close();
    await fpm?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.php for "/" with the address nginx saw', async () => {
    const response = await fetch(`${nginx.url}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('index for 127.0.0.1 via GET https=off');
  });

  it("passes a form POST on and brings back status, cookie, JSON and PHP's log line into nginx's error log", async () => {
    const response = await fetch(`${nginx.url}/form.php?q=1`, { method: 'POST', body: new URLSearchParams({ name: 'Ada Lovelace' }) });
    expect(response.status).toBe(201);
    expect(response.headers.getSetCookie()).toEqual(['seen=yes']);
    expect(await response.json()).toEqual({ name: 'Ada Lovelace', script: '/form.php', q: '1' });
    // php-fpm's STDERR → the proxy's context.log → its own FCGI_STDERR → nginx's error log.
    for (let i = 0; i < 50 && !nginx.errorLog().includes('form posted by Ada Lovelace'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(nginx.errorLog()).toMatch(/FastCGI sent in stderr: ".*php: .*form posted by Ada Lovelace/);
  });

  it('carries a 3 MiB upload through both FastCGI hops intact', async () => {
    const body = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31 + (i >> 12)) & 0xff);
    const { createHash } = await import('node:crypto');
    const response = await fetch(`${nginx.url}/upload.php`, { method: 'POST', body });
    expect(await response.text()).toBe(`${body.length} ${createHash('md5').update(body).digest('hex')}`);
  });

  it('streams what PHP flushes through the proxy and nginx before the script ends', async () => {
    const started = Date.now();
    const response = await fetch(`${nginx.url}/flush.php`);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('one\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const firstAt = Date.now() - started;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    expect(text).toBe('one\ntwo\n');
    expect(firstAt).toBeLessThan(300);
  });

  it('answers 404 itself for anything that is not a PHP script', async () => {
    const response = await fetch(`${nginx.url}/secret.txt`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('not found\n');
  });
});
