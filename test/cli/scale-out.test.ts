import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launchNginx } from '../servers/nginx.js';
import { freePort, installed, renderSnippet, type WebServer } from '../servers/web-server.js';
import { FIXTURES, startCli, stopAll } from './helpers.js';
import { load } from './load.js';

const servers: WebServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await stopAll();
});

/** nginx in front of several app hosts; a failed host's requests are retried on the next one. */
function nginxUpstream(hosts: string[]): Promise<WebServer> {
  return launchNginx('nginx-scale', (port) =>
    renderSnippet('nginx-scale-out.conf', {
      SERVERS: hosts.map((h) => `    server ${h} max_fails=1 fail_timeout=10s;`).join('\n'),
      LISTEN: `127.0.0.1:${port}`,
    }),
  );
}

describe.skipIf(!installed('nginx'))('scaling out over FastCGI/TCP', () => {
  it('loses no request when one of two app hosts behind an nginx upstream is killed under load', async () => {
    const port = await freePort();
    // 127.0.0.2 and 127.0.0.3 are loopback on Linux: two "hosts" on one machine.
    const hosts = ['127.0.0.2', '127.0.0.3'].map((ip) => `${ip}:${port}`);
    const apps = hosts.map((host) => startCli(['serve', path.join(FIXTURES, 'app.mjs'), '--listen', host]));
    await Promise.all(apps.map((a) => a.waitFor(/serving/)));
    const nginx = await nginxUpstream(hosts);
    servers.push(nginx);

    const running = load(`${nginx.url}/`, 5, 8);
    await new Promise((r) => setTimeout(r, 1500));
    apps[0]!.child.kill('SIGKILL');
    const result = await running;
    console.log(`one host killed under load (${result.tool}): ${result.requests} requests, ${result.failures} non-2xx, ${result.errors} errors`);
    if (result.failures + result.errors > 0) console.log(`${result.detail}\n${nginx.errorLog()}`);
    expect(result.requests).toBeGreaterThan(100);
    expect({ failures: result.failures, errors: result.errors }).toEqual({ failures: 0, errors: 0 });
    // nginx did see the host die and moved on.
    expect(nginx.errorLog()).toMatch(/upstream|connect\(\) failed/);
  }, 60_000);
});
