/**
 * docs/cli-and-deployment.md's "Sockets and users", played as a Debian machine runs it: the app as a user of its
 * own (created with that page's useradd line), `fastcgi-fetch serve --socket-group www-data`,
 * and each web server with its stock user — nginx, Apache and lighttpd workers as www-data,
 * Caddy as caddy (in group www-data, as Debian's package makes it). No capability is left to
 * any of them, so a socket the web server may not open shows up as it does for users: an error
 * page and "Permission denied" in the server's log.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, ROOT, startProcess, type CliProcess } from '../cli/helpers.js';
import { apacheModuleInstalled, startApache } from '../servers/apache.js';
import { startCaddy } from '../servers/caddy.js';
import { startLighttpd } from '../servers/lighttpd.js';
import { startNginx } from '../servers/nginx.js';
import { installed, makeTempDir, type Upstream, type WebServer } from '../servers/web-server.js';
import { installForAnyUser } from '../support/install-for-any-user.js';
import { missing } from '../support/requirement.js';

const APP_USER = 'fcgiapp';
const DEPLOYMENT_DOC = fs.readFileSync(new URL('../../docs/cli-and-deployment.md', import.meta.url), 'utf8');

function run(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

function inGroup(user: string, group: string): boolean {
  const members = /^[^:]*:[^:]*:[^:]*:(.*)$/m.exec(
    fs
      .readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((line) => line.startsWith(`${group}:`)) ?? '',
  )?.[1];
  return (members ?? '').split(',').includes(user);
}

/** The accounts a Debian machine would have; made as the docs and Debian's packages make them. */
function prepareAccounts(): string | undefined {
  if (process.getuid?.() !== 0) return 'creating users and dropping privileges needs root';
  for (const tool of ['setpriv', 'useradd', 'usermod']) if (!installed(tool)) return `${tool} is not installed (util-linux, passwd)`;
  if (!run('getent', ['group', 'www-data'])) return 'there is no www-data group';
  // The docs' line, for the app's own user.
  if (!run('getent', ['passwd', APP_USER])) {
    run('useradd', ['--system', '--user-group', '--groups', 'www-data', '--no-create-home', '--shell', '/usr/sbin/nologin', APP_USER]);
  } else if (!inGroup(APP_USER, 'www-data')) {
    run('usermod', ['-aG', 'www-data', APP_USER]);
  }
  // What Debian's caddy package does on install, for a Caddy that came from elsewhere.
  if (installed('caddy') && !run('getent', ['passwd', 'caddy'])) {
    if (!run('getent', ['group', 'caddy'])) run('groupadd', ['--system', 'caddy']);
    run('useradd', ['--system', '--gid', 'caddy', '--create-home', '--home-dir', '/var/lib/caddy', '--shell', '/usr/sbin/nologin', 'caddy']);
    run('usermod', ['-aG', 'www-data', 'caddy']);
  }
  const check = `require('fs').accessSync(${JSON.stringify(INSTALLED_CLI)})`;
  if (!run('setpriv', [`--reuid=${APP_USER}`, `--regid=${APP_USER}`, '--init-groups', '--', process.execPath, '-e', check])) {
    return `user ${APP_USER} cannot run ${process.execPath} or read this checkout`;
  }
  return undefined;
}

const install = fs.existsSync(path.join(ROOT, 'dist/src/cli.js')) ? installForAnyUser([path.join(FIXTURES, 'app.mjs')]) : undefined;
afterAll(() => install?.remove());
const INSTALLED_CLI = install?.cli ?? path.join(ROOT, 'dist/src/cli.js');

const accounts = install === undefined ? 'the package is not built (npm run build)' : prepareAccounts();

function uidOf(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}

/** Real uids of `pid` and its children: who the web server's processes run as. */
function uidsOf(pid: number): number[] {
  const pids = [
    pid,
    ...fs
      .readdirSync('/proc')
      .filter((entry) => {
        try {
          const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
        } catch {
          return false;
        }
      })
      .map(Number),
  ];
  return pids.map((p) => Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1]));
}

interface Deployment {
  app: CliProcess;
  server: WebServer | undefined;
  /** The app's socket directory, as /run/my-app. */
  dir: string;
}
const deployed: Deployment[] = [];
afterEach(async () => {
  for (const { app, server, dir } of deployed.splice(0)) {
    await server?.stop();
    await app.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** The app as its own user on a socket in a directory it owns (as /run/my-app), then the server. */
async function deploy(socketArgs: string[], startServer: (upstream: Upstream) => Promise<WebServer>) {
  const dir = makeTempDir('as-users');
  fs.chownSync(dir, uidOf(APP_USER), Number(spawnSync('id', ['-g', APP_USER], { encoding: 'utf8' }).stdout.trim()));
  const sock = path.join(dir, 'app.sock');
  const app = startProcess('setpriv', [
    `--reuid=${APP_USER}`,
    `--regid=${APP_USER}`,
    '--init-groups',
    '--',
    process.execPath,
    INSTALLED_CLI,
    'serve',
    install!.files['app.mjs']!,
    '--listen',
    sock,
    ...socketArgs,
  ]);
  const deployment: Deployment = { app, server: undefined, dir };
  deployed.push(deployment);
  await app.waitFor(/serving .* on .*app\.sock/);
  const server = await startServer({ path: sock });
  deployment.server = server;
  return { app, server };
}

const servers = [
  {
    name: 'nginx',
    status: 502,
    skip: installed('nginx') ? undefined : 'nginx is not installed',
    user: 'www-data',
    start: (upstream: Upstream) => startNginx({ upstream, user: 'www-data' }),
    refusal: /connect\(\) to unix:.*app\.sock failed \(13: Permission denied\)/,
  },
  {
    name: 'Apache mod_proxy_fcgi',
    status: 503,
    skip: apacheModuleInstalled('proxy_fcgi') ? undefined : 'apache2 with mod_proxy_fcgi is not installed',
    user: 'www-data',
    start: (upstream: Upstream) => startApache({ upstream, stockPrivileges: true }),
    refusal: /\(13\)Permission denied: .*app\.sock/,
  },
  {
    name: 'lighttpd',
    status: 503,
    skip: installed('lighttpd') ? undefined : 'lighttpd is not installed',
    user: 'www-data',
    start: (upstream: Upstream) => startLighttpd({ upstream, user: 'www-data' }),
    refusal: /app\.sock.*Permission denied|Permission denied.*app\.sock/,
  },
  {
    name: 'Caddy',
    status: 502,
    skip: installed('caddy') ? undefined : 'caddy is not installed',
    user: 'caddy',
    start: (upstream: Upstream) => startCaddy({ upstream, user: 'caddy' }),
    refusal: /app\.sock: connect: permission denied/,
  },
];

describe('the docs tell users to give the socket to www-data', () => {
  it('with the flag this suite runs the app with', () => {
    expect(DEPLOYMENT_DOC).toContain('fastcgi-fetch serve app.js --listen /run/my-app/app.sock --socket-group www-data');
    expect(DEPLOYMENT_DOC).toContain(`useradd --system --user-group --groups www-data --no-create-home --shell /usr/sbin/nologin my-app`);
  });
});

for (const s of servers) {
  describe.skipIf(missing(`as users behind ${s.name}`, accounts ?? s.skip))(`the app as ${APP_USER} behind ${s.name} as shipped`, () => {
    it(`answers through ${s.name} running as ${s.user} when the app gives its socket to group www-data`, async () => {
      const { app, server } = await deploy(['--socket-group', 'www-data'], s.start);
      expect(uidsOf(app.pid)).toContain(uidOf(APP_USER));
      expect(uidsOf(app.pid)).not.toContain(0);
      // Who answers the browser: workers as the stock user, and no worker as root.
      const uids = uidsOf(server.pid);
      expect(uids).toContain(uidOf(s.user));
      if (s.name !== 'nginx' && s.name !== 'Apache mod_proxy_fcgi') expect(uids).not.toContain(0);
      const response = await fetch(`${server.url}/`);
      expect(response.status).toBe(200);
      expect(await response.text()).toMatch(/^hello v1 from \d+\n$/);
    });

    it(`answers ${s.status} with Permission denied in its log when the app does not give its socket to www-data`, async () => {
      const { server } = await deploy([], s.start);
      const response = await fetch(`${server.url}/`);
      expect(response.status).toBe(s.status);
      await response.arrayBuffer();
      await expect.poll(() => server.errorLog(), { timeout: 5000 }).toMatch(s.refusal);
    });
  });
}
