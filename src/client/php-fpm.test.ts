import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, FastCGIConnectionError, type FastCGIClient } from 'fastcgi-fetch/client';
import { PHP_FPM, startPhpFpm, type PhpFpm } from '../../test/support/php-fpm.js';

if (PHP_FPM === undefined) console.warn('skipping the php-fpm client tests: install the Debian package php-fpm');

const scripts = {
  'hello.php': `<?php
header('Content-Type: text/plain');
echo "hello from php ", $_SERVER['REQUEST_METHOD'], " ", $_GET['name'] ?? '-';`,
  'echo.php': `<?php
header('Content-Type: application/octet-stream');
header('X-Content-Length: ' . ($_SERVER['CONTENT_LENGTH'] ?? 'none'));
$in = fopen('php://input', 'rb');
stream_copy_to_stream($in, fopen('php://output', 'wb'));`,
  'server.php': `<?php
header('Content-Type: application/json');
$keys = ['REQUEST_METHOD','REQUEST_URI','QUERY_STRING','SCRIPT_NAME','SCRIPT_FILENAME','DOCUMENT_ROOT',
  'SERVER_NAME','SERVER_PORT','SERVER_PROTOCOL','GATEWAY_INTERFACE','REMOTE_ADDR','HTTPS','REQUEST_SCHEME',
  'HTTP_HOST','HTTP_X_TRACE','HTTP_COOKIE','CONTENT_TYPE','CONTENT_LENGTH','APP_ENV'];
$out = [];
foreach ($keys as $k) $out[$k] = $_SERVER[$k] ?? null;
$out['cookies'] = $_COOKIE;
echo json_encode($out);`,
  'cookies.php': `<?php
setcookie('a', '1');
setcookie('b', '2', ['path' => '/x', 'httponly' => true]);
header('X-Multi: one');
header('X-Multi: two', false);
echo 'ok';`,
  'status.php': `<?php
http_response_code((int)($_GET['code'] ?? 200));
echo 'status';`,
  'redirect.php': `<?php header('Location: /elsewhere'); `,
  'stderr.php': `<?php
error_log('first message from php');
error_log('second message from php');
echo 'logged';`,
  'slow.php': `<?php
echo 'start'; flush(); sleep(5); echo 'end';`,
};

describe.skipIf(PHP_FPM === undefined)('the client against a real php-fpm', () => {
  let fpm: PhpFpm;
  let client: FastCGIClient;

  beforeAll(async () => {
    fpm = await startPhpFpm(scripts);
    client = createClient({ path: fpm.socket }, { documentRoot: fpm.root, maxConnections: 2 });
  });

  afterAll(async () => {
    await client?.close({ force: true });
    await fpm?.stop();
  });

  it('runs a GET and streams the body back', async () => {
    const response = await client.fetch('http://example.test/hello.php?name=ada');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('hello from php GET ada');
  });

  it('sends the CGI params a web server would send, overridable per request', async () => {
    const response = await client.fetch('https://example.test:8443/server.php?a=1&b=%20', {
      headers: { 'x-trace': 'abc', cookie: 'k=v; k2=v2' },
      params: { APP_ENV: 'test', REMOTE_ADDR: '203.0.113.9' },
    });
    const seen = (await response.json()) as Record<string, unknown>;
    expect(seen).toMatchObject({
      REQUEST_METHOD: 'GET',
      REQUEST_URI: '/server.php?a=1&b=%20',
      QUERY_STRING: 'a=1&b=%20',
      SCRIPT_NAME: '/server.php',
      SCRIPT_FILENAME: `${fpm.root}/server.php`,
      DOCUMENT_ROOT: fpm.root,
      SERVER_NAME: 'example.test',
      SERVER_PORT: '8443',
      SERVER_PROTOCOL: 'HTTP/1.1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      REMOTE_ADDR: '203.0.113.9',
      HTTPS: 'on',
      REQUEST_SCHEME: 'https',
      HTTP_HOST: 'example.test:8443',
      HTTP_X_TRACE: 'abc',
      APP_ENV: 'test',
      cookies: { k: 'v', k2: 'v2' },
    });
  });

  it('posts a 5 MiB body and gets it back byte for byte', async () => {
    const body = randomBytes(5 * 1024 * 1024);
    const response = await client.fetch('http://example.test/echo.php', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-length')).toBe(String(body.length));
    const echoed = new Uint8Array(await response.arrayBuffer());
    expect(echoed.length).toBe(body.length);
    expect(createHash('sha256').update(echoed).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('streams a request body of declared length without buffering it first', async () => {
    const parts = [randomBytes(100_000), randomBytes(70_000)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    });
    const response = await client.fetch('http://example.test/echo.php', {
      method: 'PUT',
      headers: { 'content-length': '170000', 'content-type': 'application/octet-stream' },
      body: stream,
      requestBuffering: false,
    });
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.concat(parts))).toBe(true);
  });

  it('keeps each Set-Cookie and each repeated header apart', async () => {
    const response = await client.fetch('http://example.test/cookies.php');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2; path=/x; HttpOnly']);
    expect(response.headers.get('x-multi')).toBe('one, two');
    expect(await response.text()).toBe('ok');
  });

  it('maps the Status header to the response status', async () => {
    for (const code of [201, 404, 503]) {
      const response = await client.fetch(`http://example.test/status.php?code=${code}`);
      expect(response.status).toBe(code);
      await response.text();
    }
    const missing = await client.fetch('http://example.test/no-such-script.php');
    expect(missing.status).toBe(404);
    await missing.text();
  });

  it('turns a bare Location header into a 302', async () => {
    const response = await client.fetch('http://example.test/redirect.php');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/elsewhere');
  });

  it('collects the STDERR lines PHP writes with error_log()', async () => {
    const live: string[] = [];
    const { response, completed } = await client.request('http://example.test/stderr.php', {
      onStderr: (line) => live.push(line),
    });
    expect(await response.text()).toBe('logged');
    const { stderr, appStatus } = await completed;
    expect(appStatus).toBe(0);
    expect(stderr.join('\n')).toContain('first message from php');
    expect(stderr.join('\n')).toContain('second message from php');
    expect(live).toEqual(stderr);
  });

  it("reads php-fpm's GET_VALUES answer: no multiplexing, and no other value it knows", async () => {
    // php-fpm 8.2 answers FCGI_MPXS_CONNS only; it leaves FCGI_MAX_CONNS and FCGI_MAX_REQS out.
    expect(await client.getValues()).toEqual({ FCGI_MPXS_CONNS: '0' });
  });

  it('reuses one connection for requests in a row (keep-conn)', async () => {
    const own = createClient({ path: fpm.socket }, { documentRoot: fpm.root, maxConnections: 1 });
    try {
      for (let i = 0; i < 5; i++) expect(await (await own.fetch(`http://example.test/hello.php?name=${i}`)).text()).toBe(`hello from php GET ${i}`);
      // One connection for the GET_VALUES probe (php-fpm closes it), one for all five requests.
      expect(own.stats.opened).toBe(2);
    } finally {
      await own.close();
    }
  });

  it('opens a connection per request without keep-conn', async () => {
    const own = createClient({ path: fpm.socket }, { documentRoot: fpm.root, keepConn: false });
    try {
      for (let i = 0; i < 3; i++) expect(await (await own.fetch('http://example.test/hello.php')).text()).toBe('hello from php GET -');
      expect(own.stats.opened).toBe(3);
    } finally {
      await own.close();
    }
  });

  it('closes the connection when the request signal aborts, since php-fpm cannot multiplex', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const response = await client.fetch('http://example.test/slow.php', { signal: controller.signal });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('start');
    controller.abort(new Error('gave up'));
    await expect(reader.read()).rejects.toThrow('gave up');
    expect(Date.now() - started).toBeLessThan(4_000);
    // The pool carries on with a fresh connection.
    expect(await (await client.fetch('http://example.test/hello.php')).text()).toBe('hello from php GET -');
  });

  it('fails with a typed error when nothing listens', async () => {
    const nobody = createClient({ path: `${fpm.root}/missing.sock` }, { multiplex: false });
    await expect(nobody.fetch('http://example.test/')).rejects.toBeInstanceOf(FastCGIConnectionError);
    await nobody.close();
  });
});
