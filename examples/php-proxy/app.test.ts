import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, type TestClient } from 'fastcgi-fetch/testing';
import { PHP_FPM, startPhpFpm, type PhpFpm } from '../../test/support/php-fpm.js';
import { createPhpProxy } from './app.js';

if (PHP_FPM === undefined) console.warn('skipping the php-proxy example test: install the Debian package php-fpm');

describe.skipIf(PHP_FPM === undefined)('the php-fpm proxy example', () => {
  let fpm: PhpFpm;
  let proxy: ReturnType<typeof createPhpProxy>;
  let client: TestClient;

  beforeAll(async () => {
    fpm = await startPhpFpm({
      'index.php': `<?php echo "index for ", $_SERVER['REMOTE_ADDR'], " https=", $_SERVER['HTTPS'] ?? 'off';`,
      'form.php': `<?php
setcookie('seen', 'yes');
error_log('form posted');
http_response_code(201);
header('Content-Type: application/json');
echo json_encode(['name' => $_POST['name'] ?? null, 'script' => $_SERVER['SCRIPT_NAME'], 'q' => $_GET['q'] ?? null]);`,
    });
    proxy = createPhpProxy({ socket: fpm.socket, documentRoot: fpm.root });
    client = createTestClient(proxy, { remoteAddress: '192.0.2.77' });
  });

  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await fpm?.stop();
  });

  it('serves index.php for "/" with the browser\'s address and scheme', async () => {
    const response = await client.fetch('https://site.example/');
    expect(await response.text()).toBe('index for 192.0.2.77 https=on');
  });

  it("passes a form POST through and brings status, cookies and PHP's log lines back", async () => {
    const { response, completed } = await client.request('/form.php?q=1', {
      method: 'POST',
      body: new URLSearchParams({ name: 'Ada Lovelace' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.getSetCookie()).toEqual(['seen=yes']);
    expect(await response.json()).toEqual({ name: 'Ada Lovelace', script: '/form.php', q: '1' });
    expect((await completed).stderr.some((line) => line.includes('php: ') && line.includes('form posted'))).toBe(true);
  });

  it('answers 404 for anything that is not a PHP script', async () => {
    expect((await client.fetch('/secret.txt')).status).toBe(404);
  });
});
