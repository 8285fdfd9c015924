/**
 * The deployment in examples/deploy/, checked piece by piece without a running systemd: the units
 * agree with each other and with the nginx site, `systemd-analyze` accepts them, and the service's
 * ExecStart runs under systemd-socket-activate on the .socket's ListenStream, as an unprivileged
 * user, notifying a stand-in for systemd, behind the nginx site; then ExecReload and stop.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, cliArgv, fcgiGet, startProcess, stopAll } from '../../test/cli/helpers.js';
import { launchNginx } from '../../test/servers/nginx.js';
import { installed, makeTempDir, which, type WebServer } from '../../test/servers/web-server.js';
import { listenNotifySocket, type NotifySocket } from '../../test/support/notify-socket.js';

const here = fileURLToPath(new URL('./', import.meta.url));
const read = (file: string) => fs.readFileSync(path.join(here, file), 'utf8');
const serviceText = read('my-app.service');
const socketText = read('my-app.socket');
const siteText = read('nginx-my-app.conf');

type Unit = Map<string, Array<[string, string]>>;

/** systemd's unit syntax as these files use it: [Section], Key=Value, # and ; comments. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Array<[string, string]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = [];
      unit.set(header[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    if (!section || eq < 0) throw new Error(`not a unit file line: ${raw}`);
    section.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return unit;
}

function value(unit: Unit, section: string, key: string): string | undefined {
  return unit.get(section)?.filter(([k]) => k === key).at(-1)?.[1];
}

const service = parseUnit(serviceText);
const socket = parseUnit(socketText);
const socketPath = value(socket, 'Socket', 'ListenStream')!;
const execStart = value(service, 'Service', 'ExecStart')!.split(/\s+/);
const execReload = value(service, 'Service', 'ExecReload')!.split(/\s+/);

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await stopAll();
});

describe('examples/deploy: a systemd service, its socket and an nginx site', () => {
  it('agree with each other: nginx connects to the socket systemd passes, which www-data may open', () => {
    expect(value(service, 'Unit', 'Requires')).toBe('my-app.socket');
    expect(socketPath).toBe('/run/my-app/app.sock');
    expect(siteText).toContain(`server unix:${socketPath};`);
    expect([value(socket, 'Socket', 'SocketGroup'), value(socket, 'Socket', 'SocketMode')]).toEqual(['www-data', '0660']);
    // The socket's directory is the service's runtime directory, which must outlive a stop.
    expect(`/run/${value(service, 'Service', 'RuntimeDirectory')}/app.sock`).toBe(socketPath);
    expect(value(service, 'Service', 'RuntimeDirectoryPreserve')).toBe('yes');
    expect(value(service, 'Service', 'Type')).toBe('notify');
    expect(value(service, 'Service', 'NotifyAccess')).toBe('all');
    expect(value(service, 'Service', 'User')).toBe('my-app');
    expect(execReload).toEqual(['/bin/kill', '-HUP', '$MAINPID']);
    expect(value(service, 'Service', 'NoNewPrivileges')).toBe('yes');
    expect(value(service, 'Service', 'ProtectSystem')).toBe('strict');
    // No listen option: the socket comes from systemd.
    expect(execStart.slice(0, 4)).toEqual(['/usr/bin/node', '/srv/my-app/node_modules/.bin/fastcgi-fetch', 'serve', 'app.js']);
    expect(execStart).not.toContain('--listen');
    expect(value(service, 'Service', 'WorkingDirectory')).toBe('/srv/my-app');
  });

  it.skipIf(!installed('systemd-analyze'))('pass systemd-analyze verify, and its offline security review rates the service OK', () => {
    const dir = makeTempDir('deploy-verify');
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    // verify checks that ExecStart's program exists: point it at this machine's node.
    fs.writeFileSync(path.join(dir, 'my-app.service'), serviceText.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
    fs.writeFileSync(path.join(dir, 'my-app.socket'), socketText);
    const verify = spawnSync('systemd-analyze', ['verify', './my-app.service', './my-app.socket'], { cwd: dir, encoding: 'utf8' });
    expect(verify.stderr + verify.stdout).toBe('');
    expect(verify.status).toBe(0);
    const security = spawnSync('systemd-analyze', ['security', '--offline=yes', './my-app.service'], { cwd: dir, encoding: 'utf8' });
    const exposure = /Overall exposure level for my-app\.service: (\d+\.\d+) (\w+)/.exec(security.stdout + security.stderr);
    expect(exposure?.[2]).toBe('OK');
    expect(Number(exposure?.[1])).toBeLessThan(2.5);
  });

  const missing = ['systemd-socket-activate', 'setpriv', 'python3', 'nginx'].filter((tool) => !installed(tool));
  if (missing.length) console.log(`skipping the deployment run: ${missing.join(', ')} not installed`);
  it.skipIf(missing.length > 0)(
    'run: ExecStart on the socket as a user of its own, Type=notify, behind the nginx site, then ExecReload and stop',
    async () => {
      const dir = makeTempDir('deploy-run');
      cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
      // /srv/my-app and /run/my-app/app.sock, inside the temp dir.
      const srv = path.join(dir, 'srv/my-app');
      const sock = path.join(dir, socketPath);
      fs.mkdirSync(srv, { recursive: true, mode: 0o755 });
      fs.mkdirSync(path.dirname(sock), { recursive: true, mode: 0o755 });
      for (const d of [path.join(dir, 'srv'), path.join(dir, 'run')]) fs.chmodSync(d, 0o755);
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(srv, 'node_modules'));
      fs.writeFileSync(path.join(srv, 'package.json'), '{ "type": "module" }\n');
      fs.writeFileSync(
        path.join(srv, 'app.js'),
        "export default { fetch: (request) => new Response(`my-app ${new URL(request.url).pathname} pid ${process.pid} uid ${process.getuid()} ${process.env.NODE_ENV}`) };\n",
      );
      const notify: NotifySocket = await listenNotifySocket(path.join(dir, 'notify.sock'));
      cleanups.push(() => notify.close());

      // ExecStart's arguments after the program, run by this checkout's CLI; 2 workers, not 4,
      // on a shared test machine. The user: nobody, as User=my-app does not exist here.
      const args = execStart.slice(2).map((arg, i, all) => (all[i - 1] === '--workers' ? '2' : arg));
      const environment = (value(service, 'Service', 'Environment') ?? '').split(/\s+/).filter(Boolean);
      const app = startProcess(
        which('systemd-socket-activate')!,
        [
          '-l', sock, '--fdname=my-app.socket',
          '-E', `NOTIFY_SOCKET=${notify.address}`,
          ...environment.flatMap((e) => ['-E', e]),
          '--', which('setpriv')!, '--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, ...cliArgv(args),
        ],
        { cwd: srv },
      );
      await app.waitFor(/Listening on .* as 3/);
      // What systemd does for SocketUser=, SocketGroup=, SocketMode=.
      fs.chownSync(sock, 0, Number(spawnSync('id', ['-g', 'www-data'], { encoding: 'utf8' }).stdout.trim()));
      fs.chmodSync(sock, 0o660);
      // The system's python (a python under /root is out of these users' reach).
      const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : which('python3')!;
      const connectAs = (user: string) =>
        spawnSync('setpriv', [`--reuid=${user}`, `--regid=${user === 'nobody' ? 'nogroup' : user}`, '--init-groups', python, '-c',
          'import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])', sock], { encoding: 'utf8' });
      expect(connectAs('www-data').status).toBe(0);
      expect(connectAs('nobody').stderr).toMatch(/Permission denied/);

      const ready = await notify.next('READY');
      expect(ready.fields.STATUS).toMatch(/^2 workers, /);
      expect(app.output()).toMatch(/on fd 3 \(my-app\.socket\) with 2 worker\(s\)/);
      const direct = await fcgiGet({ path: sock }, '/direct');
      expect(direct.body).toMatch(/^my-app \/direct pid \d+ uid 65534 production$/);

      const nginx: WebServer = await launchNginx('nginx-deploy', (port) => {
        const site = siteText.replace('listen 80;', `listen 127.0.0.1:${port};`).replace(`unix:${socketPath}`, `unix:${sock}`);
        expect(site).not.toContain(`unix:${socketPath}`);
        return site;
      });
      cleanups.push(() => nginx.stop());
      const page = await fetch(`${nginx.url}/hello`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/^my-app \/hello pid \d+ uid 65534 production$/);
      const status = await fetch(`${nginx.url}/fpm-status`);
      expect(await status.text()).toMatch(/^workers: +2$/m);

      // systemctl reload: ExecReload with $MAINPID, while nginx keeps sending requests.
      const before = notify.messages.length;
      let failures = 0;
      let answered = 0;
      let reloading = true;
      const traffic = (async () => {
        while (reloading) {
          const response = await fetch(`${nginx.url}/during-reload`).catch(() => undefined);
          if (response?.status === 200 && (await response.text()).startsWith('my-app /during-reload')) answered++;
          else failures++;
        }
      })();
      const [kill, ...killArgs] = execReload.map((arg) => (arg === '$MAINPID' ? String(app.pid) : arg));
      expect(spawnSync(kill!, killArgs).status).toBe(0);
      await notify.next('RELOADING', before);
      await notify.next('READY', before, 60_000);
      reloading = false;
      await traffic;
      expect(app.output()).toMatch(/reload done/);
      console.log(`reload through the nginx site: ${answered} requests answered, ${failures} failed`);
      expect(failures).toBe(0);
      expect(answered).toBeGreaterThan(0);

      // systemctl stop with KillMode=mixed: SIGTERM to the main process.
      app.child.kill('SIGTERM');
      await notify.next('STOPPING', before);
      expect(await app.exited).toBe(0);
    },
    120_000,
  );
});
