/** Real Caddy 2 (reverse_proxy + fastcgi transport); user-facing part: examples/config/Caddyfile */
import fs from 'node:fs';
import path from 'node:path';
import {
  assertLoopback,
  freePort,
  isUnix,
  launch,
  makeTempDir,
  renderSnippet,
  type Upstream,
  type WebServer,
} from './web-server.js';

export interface CaddyOptions {
  upstream: Upstream;
  /** Mount the app under e.g. '/app/' instead of '/'. */
  prefix?: string;
  /** false: flush_interval -1 (flush every write). Default true: Caddy buffers the response. */
  buffering?: boolean;
}

export async function startCaddy(o: CaddyOptions): Promise<WebServer> {
  assertLoopback(o.upstream);
  const dir = makeTempDir('caddy');
  const port = await freePort();
  let site = renderSnippet('Caddyfile', {
    SITE: `http://127.0.0.1:${port}`,
    PREFIX: o.prefix ?? '/',
    UPSTREAM: isUnix(o.upstream) ? `unix/${o.upstream.path}` : `${o.upstream.host}:${o.upstream.port}`,
  });
  if (o.buffering === false) {
    // test-only tweak inside the user-facing block
    const tweaked = site.replace(/^(\s*)transport fastcgi$/m, '$1transport fastcgi\n$1flush_interval -1');
    if (tweaked === site) throw new Error('Caddyfile snippet has no "transport fastcgi" line to add flush_interval to');
    site = tweaked;
  }
  const conf = `# written by test/servers/caddy.ts
{
	admin off
	auto_https off
	grace_period 2s
	storage file_system ${path.join(dir, 'data')}
}

${site}
`;
  const configFile = path.join(dir, 'Caddyfile');
  fs.writeFileSync(configFile, conf);
  const args = ['--config', configFile, '--adapter', 'caddyfile'];
  return launch({
    name: 'caddy',
    dir,
    port,
    configFile,
    // Caddy writes autosave.json and certificates under HOME/XDG dirs: keep them in the temp dir.
    env: { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data') },
    validate: ['caddy', 'validate', ...args],
    command: ['caddy', 'run', ...args],
  });
}
