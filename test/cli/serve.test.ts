import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../servers/web-server.js';
import { FIXTURES, fcgiGet, startCli, stopAll, tempDir } from './helpers.js';

afterAll(stopAll);

const app = path.join(FIXTURES, 'app.mjs');

describe('fastcgi-fetch serve', () => {
  it('serves a module whose default export is { fetch } on a TCP port', async () => {
    const port = await freePort();
    const cli = startCli(['serve', app, '--listen', `127.0.0.1:${port}`]);
    await cli.waitFor(/serving .* on 127\.0\.0\.1:\d+/);
    const reply = await fcgiGet({ host: '127.0.0.1', port }, '/');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(`hello v1 from ${cli.pid}\n`);
    const echo = await fcgiGet({ host: '127.0.0.1', port }, '/', { method: 'POST', body: 'ping' });
    expect(echo.body).toBe('ping');
    await cli.stop();
  });

  it('serves a TypeScript Hono app, loading it through tsx', async () => {
    const port = await freePort();
    const cli = startCli(['serve', path.join(FIXTURES, 'hono-app.ts'), '--listen', String(port)]);
    await cli.waitFor(/serving/);
    expect((await fcgiGet({ host: '127.0.0.1', port }, '/json')).body).toBe('{"ok":true}');
    await cli.stop();
  });

  it('serves on a Unix socket with the file mode given by --socket-mode', async () => {
    const dir = tempDir('unix');
    const sock = path.join(dir, 'app.sock');
    const cli = startCli(['serve', app, '--listen', sock, '--socket-mode', '600']);
    await cli.waitFor(/serving .* on .*app\.sock/);
    expect(fs.statSync(sock).mode & 0o777).toBe(0o600);
    expect((await fcgiGet({ path: sock })).status).toBe(200);
    await cli.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes the listen address and the module from environment variables', async () => {
    const port = await freePort();
    const cli = startCli(['serve'], { env: { FASTCGI_LISTEN: `127.0.0.1:${port}`, FASTCGI_APP: app } });
    await cli.waitFor(/serving/);
    expect((await fcgiGet({ host: '127.0.0.1', port })).status).toBe(200);
    await cli.stop();
  });

  it('finishes an in-flight request on SIGTERM, then exits with code 0', async () => {
    const port = await freePort();
    const cli = startCli(['serve', app, '--listen', String(port)]);
    await cli.waitFor(/serving/);
    const slow = fcgiGet({ host: '127.0.0.1', port }, '/slow?ms=700');
    await new Promise((r) => setTimeout(r, 200));
    cli.child.kill('SIGTERM');
    expect((await slow).status).toBe(200);
    expect(await cli.exited).toBe(0);
  });

  describe('fails with one line and a non-zero exit code', () => {
    const failure = async (args: string[]) => {
      const cli = startCli(args);
      const code = await cli.exited;
      return { code, lines: cli.output().trim().split('\n') };
    };

    it('when the module does not exist', async () => {
      const { code, lines } = await failure(['serve', 'nowhere/app.js', '--listen', '1']);
      expect(code).toBe(1);
      expect(lines).toEqual([expect.stringMatching(/^fastcgi-fetch: cannot find module nowhere\/app\.js/)]);
    });

    it('when the module exports no fetch handler', async () => {
      const { code, lines } = await failure(['serve', path.join(FIXTURES, 'no-fetch.mjs'), '--listen', '1']);
      expect(code).toBe(1);
      expect(lines).toEqual([expect.stringMatching(/has no fetch handler: export default a function, or an object with a fetch method/)]);
    });

    it('when the port is in use', async () => {
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const { port } = blocker.address() as net.AddressInfo;
      try {
        const { code, lines } = await failure(['serve', app, '--listen', `127.0.0.1:${port}`]);
        expect(code).toBe(1);
        expect(lines).toEqual([`fastcgi-fetch: cannot listen on 127.0.0.1:${port}: it is already in use by another process`]);
      } finally {
        blocker.close();
      }
    });

    it('when the socket path is in use by a running server', async () => {
      const dir = tempDir('busy');
      const sock = path.join(dir, 'app.sock');
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(sock, resolve));
      try {
        const { code, lines } = await failure(['serve', app, '--listen', sock]);
        expect(code).toBe(1);
        expect(lines).toEqual([`fastcgi-fetch: cannot listen on ${sock}: it is already in use by another process`]);
      } finally {
        blocker.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('when an option is not valid, with exit code 2', async () => {
      const { code, lines } = await failure(['serve', app, '--workers', 'many']);
      expect(code).toBe(2);
      expect(lines).toEqual(['fastcgi-fetch: --workers must be an integer from 1 to 1024, got "many"']);
    });
  });

  it('prints usage with --help and exits 0', async () => {
    const cli = startCli(['serve', '--help']);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/--listen <addr>[\s\S]*FASTCGI_LISTEN[\s\S]*--workers/);
  });
});
