/** Real Caddy 2 (reverse_proxy + fastcgi transport); user-facing part: examples/config/Caddyfile */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { assertLoopback, freePort, isUnix, launch, makeTempDir, renderSnippet, type Upstream, type WebServer } from './web-server.js';

export interface CaddyOptions {
  upstream: Upstream;
  /** Mount the app under e.g. '/app/' instead of '/'. */
  prefix?: string;
  /** false: flush_interval -1 (flush every write). Default true: Caddy buffers the response. */
  buffering?: boolean;
  /** Run Caddy as this user with its groups, as Debian's caddy.service does (User=caddy); default: root. */
  user?: string;
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
  // setpriv execs Caddy, so the pid the harness stops is Caddy's own.
  const as = o.user === undefined ? [] : ['setpriv', `--reuid=${o.user}`, `--regid=${o.user}`, '--init-groups', '--'];
  if (o.user !== undefined) {
    for (const sub of ['config', 'data']) {
      fs.mkdirSync(path.join(dir, sub), { recursive: true });
      chownTo(path.join(dir, sub), o.user);
    }
  }
  return launch({
    name: 'caddy',
    dir,
    port,
    configFile,
    // Caddy writes autosave.json and certificates under HOME/XDG dirs: keep them in the temp dir.
    env: { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data') },
    validate: [...as, 'caddy', 'validate', ...args],
    command: [...as, 'caddy', 'run', ...args],
  });
}

function chownTo(dir: string, user: string): void {
  execFileSync('chown', [`${user}:`, dir]);
}
