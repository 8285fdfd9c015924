import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../servers/web-server.js';
import { startCli, stopAll, tempDir } from './helpers.js';

afterAll(stopAll);

describe('fastcgi-fetch dev', () => {
  it('labels itself a development server, forwards HTTP over FastCGI and reloads on a file change', async () => {
    const dir = tempDir('dev');
    const file = path.join(dir, 'app.mjs');
    const write = (text: string) =>
      fs.writeFileSync(
        file,
        `export default { fetch: (req, ctx) => new Response('${text} ' + ctx.params.GATEWAY_INTERFACE + ' ' + new URL(req.url).pathname) };\n`,
      );
    write('one');
    const port = await freePort();
    const cli = startCli(['dev', file, '--port', String(port), '--host', '127.0.0.1']);
    await cli.waitFor(/DEVELOPMENT SERVER, do not use in production[\s\S]*open +http:\/\/127\.0\.0\.1:\d+\//);
    // ctx.params only exists when the request came over FastCGI.
    expect(await (await fetch(`http://127.0.0.1:${port}/a/b`)).text()).toBe('one CGI/1.1 /a/b');

    write('two');
    await cli.waitFor(/reloaded/, 15_000);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('two CGI/1.1 /');

    fs.writeFileSync(file, 'export default {;\n');
    await cli.waitFor(/reload failed .*; still serving the previous version/, 15_000);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('two CGI/1.1 /');

    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 45_000);
});

describe('fastcgi-fetch dev, as the app changes and writes', () => {
  /** Starts `dev` on an app folder holding `files`; resolves once the app answered. */
  async function devOn(files: Record<string, string>) {
    const dir = tempDir('dev-app');
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const port = await freePort();
    const cli = startCli(['dev', path.join(dir, 'app.mjs'), '--port', String(port), '--host', '127.0.0.1']);
    const get = async (urlPath: string) => {
      const response = await fetch(`http://127.0.0.1:${port}${urlPath}`);
      return { status: response.status, body: await response.text() };
    };
    /** Asks until the app answers 2xx (the front may not listen yet, or answer 502 meanwhile). */
    const firstAnswer = async (urlPath: string) => {
      for (let i = 0; i < 200; i++) {
        const reply = await get(urlPath).catch(() => undefined);
        if (reply && reply.status < 300) return reply;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the app never answered:\n${cli.output()}`);
    };
    return { dir, port, cli, get, firstAnswer };
  }

  it('restarts when a module the app imports changes, never when the app writes files next to itself', async () => {
    const { dir, cli, get, firstAnswer } = await devOn({
      'lib.mjs': "export const word = 'one';\n",
      'app.mjs': [
        "import fs from 'node:fs';",
        "import { word } from './lib.mjs';",
        'export default {',
        '  fetch() {',
        // A data file and a log next to the app, as a SQLite database or `dev app.js > dev.log` would.
        "    fs.writeFileSync(new URL('./data.json', import.meta.url), JSON.stringify({ at: Date.now() }));",
        "    fs.appendFileSync(new URL('./dev.log', import.meta.url), 'request\\n');",
        "    fs.writeFileSync(new URL('./scratch.mjs', import.meta.url), 'export {};\\n');",
        "    return new Response(word + ' ' + process.pid);",
        '  },',
        '};',
        '',
      ].join('\n'),
    });
    const first = await firstAnswer('/');
    expect(first.body).toMatch(/^one \d+$/);
    for (let i = 0; i < 3; i++) expect((await get('/')).body).toBe(first.body);
    // Longer than the watcher's debounce and a restart would take to be noticed.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await get('/')).body).toBe(first.body);
    expect(cli.output()).not.toMatch(/changed: restarting/);

    fs.writeFileSync(path.join(dir, 'lib.mjs'), "export const word = 'two';\n");
    await cli.waitFor(/lib\.mjs changed: restarting the app[\s\S]*reloaded/, 15_000);
    expect((await get('/')).body).toMatch(/^two \d+$/);
    expect(cli.output()).toMatch(/the app is ready; watching 2 file\(s\) it loaded/);
    await cli.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 45_000);

  it("prints one access line per request and the app's FCGI_STDERR lines (context.log, failures)", async () => {
    const { dir, cli, get, firstAnswer } = await devOn({
      'app.mjs': [
        'export default {',
        '  fetch(request, context) {',
        "    if (new URL(request.url).pathname === '/boom') throw new Error('boom');",
        "    context.log('hello from the app');",
        "    return new Response('made', { status: 201 });",
        '  },',
        '};',
        '',
      ].join('\n'),
    });
    expect(await firstAnswer('/things?x=1')).toEqual({ status: 201, body: 'made' });
    expect((await get('/boom')).status).toBe(500);
    await cli.waitFor(/GET \/boom 500 \d+ ms/);
    const out = cli.output();
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\] GET \/things\?x=1: hello from the app$/m);
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\] GET \/things\?x=1 201 \d+ ms$/m);
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\] GET \/boom: fastcgi-fetch: request failed: Error: boom$/m);
    expect(out.match(/GET \/things\?x=1 201/g)).toHaveLength(1);
    await cli.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 45_000);

  it('holds requests while the app starts, and while it starts again after exiting, instead of answering 502', async () => {
    const { dir, port, cli, get } = await devOn({
      'app.mjs': [
        // A slow start: a database to open, a cache to warm.
        'await new Promise((r) => setTimeout(r, 1500));',
        'export default {',
        '  fetch(request) {',
        "    if (new URL(request.url).pathname === '/exit') setTimeout(() => process.exit(3), 10);",
        "    return new Response('up ' + process.pid);",
        '  },',
        '};',
        '',
      ].join('\n'),
    });
    // As soon as the HTTP port takes connections, before the app is up.
    await waitUntilConnects(port);
    expect(cli.output()).not.toMatch(/the app is ready/);
    const first = await get('/');
    expect(first).toMatchObject({ status: 200, body: expect.stringMatching(/^up \d+$/) });

    await get('/exit');
    await cli.waitFor(/the app exited \(code 3\); starting it again/);
    const again = await get('/');
    expect(again.status).toBe(200);
    expect(again.body).not.toBe(first.body);
    await cli.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 45_000);
});

async function waitUntilConnects(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing listens on port ${port}`);
}
