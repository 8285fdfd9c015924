import fs from 'node:fs';
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
      fs.writeFileSync(file, `export default { fetch: (req, ctx) => new Response('${text} ' + ctx.params.GATEWAY_INTERFACE + ' ' + new URL(req.url).pathname) };\n`);
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
