import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { apacheModuleInstalled, startApacheFcgid } from '../servers/apache.js';
import { startLighttpdSpawn } from '../servers/lighttpd.js';
import { installed, leftoverProcesses, which, type WebServer } from '../servers/web-server.js';
import { CLI, FIXTURES, ROOT, alive, cliArgv, workersOf, fcgiGet, startProcess, stopAll, tempDir, waitUntil } from './helpers.js';

afterAll(stopAll);

const app = path.join(FIXTURES, 'app.mjs');
const hasSpawnFcgi = installed('spawn-fcgi');
if (!hasSpawnFcgi) console.log('skipping spawn-fcgi tests: spawn-fcgi is not installed (Debian package spawn-fcgi)');

/**
 * The cluster workers of `pid`: its children running the CLI. With a cold tsx cache, tsx gives
 * every process an esbuild service child too, which is no worker.
 */

/** spawn-fcgi -n binds the socket, puts it on fd 0 and execs the CLI: what lighttpd and mod_fcgid do too. */
function spawnFcgi(sock: string, args: string[]) {
  return startProcess(which('spawn-fcgi')!, ['-n', '-s', sock, '-M', '0600', '--', process.execPath, ...cliArgv(args)]);
}

describe.skipIf(!hasSpawnFcgi)('fastcgi-fetch serve spawned by a web server (spawn-fcgi, socket on fd 0)', () => {
  it('serves the socket on fd 0 without any listen option', async () => {
    const dir = tempDir('spawn');
    const sock = path.join(dir, 'app.sock');
    const cli = spawnFcgi(sock, ['serve', app]);
    await cli.waitFor(/serving .* on fd 0/);
    expect((await fcgiGet({ path: sock })).body).toBe(`hello v1 from ${cli.pid}\n`);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shares the fd-0 socket between --workers and stops them all on SIGTERM', async () => {
    const dir = tempDir('spawn-workers');
    const sock = path.join(dir, 'app.sock');
    const cli = spawnFcgi(sock, ['serve', app, '--workers', '2']);
    await cli.waitFor(/on fd 0 with 2 worker\(s\)/);
    const workers = workersOf(cli.pid);
    expect(workers).toHaveLength(2);
    const pids = new Set<string>();
    for (let i = 0; i < 6; i++) pids.add((await fcgiGet({ path: sock })).headers.get('x-pid')!);
    expect([...pids].map(Number).sort()).toEqual(workers.sort());
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    await waitUntil(() => workers.every((pid) => !alive(pid)), 5000, 'the workers to exit');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no orphaned worker when the spawned primary is killed outright', async () => {
    const dir = tempDir('spawn-kill');
    const sock = path.join(dir, 'app.sock');
    const cli = spawnFcgi(sock, ['serve', app, '--workers', '2']);
    await cli.waitFor(/with 2 worker\(s\)/);
    const workers = workersOf(cli.pid);
    expect(workers).toHaveLength(2);
    cli.child.kill('SIGKILL');
    await waitUntil(() => workers.every((pid) => !alive(pid)), 5000, 'orphaned workers to exit');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

// The web server runs the app from its own folder: tsx must be named by path, not resolved from the cwd.
const TSX_LOADER = path.join(ROOT, 'node_modules/tsx/dist/loader.mjs');

/** A copy of the fixture app in a fresh folder, so every process serving it names that folder. */
function appCopy(name: string): { dir: string; module: string } {
  const dir = tempDir(name);
  // mod_fcgid runs the app as www-data.
  fs.chmodSync(dir, 0o755);
  const module = path.join(dir, 'app.mjs');
  fs.copyFileSync(app, module);
  return { dir, module };
}

/** The command line a web server gets: node running the TypeScript CLI with `args`. */
function cliCommand(args: string[]): string[] {
  return [process.execPath, '--import', TSX_LOADER, CLI, ...args];
}

/** Live processes whose command line mentions `needle` (our own app copy). */
function processesMentioning(needle: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle) && alive(Number(entry))) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function http(server: WebServer, urlPath: string, init: RequestInit = {}) {
  const response = await fetch(`${server.url}${urlPath}`, { ...init, signal: AbortSignal.timeout(15_000) });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** Stops the server and proves nothing it spawned survived it. */
async function stopLeavingNothing(server: WebServer, dir: string): Promise<void> {
  await server.stop();
  // Orphans the harness had to kill still count as a failure: they outlived the server.
  expect(server.leftAtExit()).toEqual([]);
  expect(leftoverProcesses(server)).toEqual([]);
  expect(processesMentioning(dir)).toEqual([]);
  fs.rmSync(dir, { recursive: true, force: true });
}

const hasLighttpd = installed('lighttpd');
if (!hasLighttpd) console.log('skipping the lighttpd bin-path tests: lighttpd is not installed (Debian package lighttpd)');
const hasFcgid = apacheModuleInstalled('fcgid');
if (!hasFcgid) console.log('skipping the mod_fcgid tests: apache2 with mod_fcgid is not installed (Debian packages apache2 libapache2-mod-fcgid)');

describe.skipIf(!hasLighttpd)('fastcgi-fetch serve spawned by lighttpd (bin-path)', () => {
  let server: WebServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('answers through lighttpd with no listen option and leaves no process when lighttpd stops', async () => {
    const { dir, module } = appCopy('lighttpd-spawn');
    server = await startLighttpdSpawn({ command: cliCommand(['serve', module]) });
    const first = await http(server, '/');
    expect(first.status).toBe(200);
    expect(first.body).toMatch(/^hello v1 from \d+\n$/);
    const pid = Number(first.headers.get('x-pid'));
    // The process lighttpd started is the one answering: the CLI itself, not a child of it.
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain(module);
    const posted = await http(server, '/', { method: 'POST', body: 'through lighttpd' });
    expect(posted.body).toBe('through lighttpd');
    expect(processesMentioning(dir)).toEqual([pid]);
    await stopLeavingNothing(server, dir);
  });

  it('shares the fd-0 socket between --workers 2 and stops primary and workers with lighttpd', async () => {
    const { dir, module } = appCopy('lighttpd-workers');
    server = await startLighttpdSpawn({ command: cliCommand(['serve', module, '--workers', '2']) });
    const pids = new Set<number>();
    // lighttpd sends requests as soon as the primary holds the socket; the second worker may
    // still be loading then, so keep asking for a while.
    const deadline = Date.now() + 15_000;
    while (pids.size < 2 && Date.now() < deadline) {
      const response = await http(server, '/');
      expect(response.status).toBe(200);
      pids.add(Number(response.headers.get('x-pid')));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(pids.size).toBe(2);
    const running = processesMentioning(dir);
    // One primary and the two workers that answered.
    expect(running).toHaveLength(3);
    const primary = running.find((pid) => !pids.has(pid))!;
    expect(workersOf(primary).sort()).toEqual([...pids].sort());
    await stopLeavingNothing(server, dir);
    expect([...running].filter(alive)).toEqual([]);
  });
});

describe.skipIf(!hasFcgid)('fastcgi-fetch serve spawned by Apache mod_fcgid', () => {
  let server: WebServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('answers through mod_fcgid with no listen option and leaves no process when Apache stops', async () => {
    const { dir, module } = appCopy('fcgid-spawn');
    server = await startApacheFcgid({ command: cliCommand(['serve', module]), maxProcesses: 1 });
    const first = await http(server, '/');
    expect(first.status).toBe(200);
    expect(first.body).toMatch(/^hello v1 from \d+\n$/);
    const posted = await http(server, '/', { method: 'POST', body: 'through mod_fcgid' });
    expect(posted.body).toBe('through mod_fcgid');
    expect(processesMentioning(dir)).toEqual([Number(first.headers.get('x-pid'))]);
    await stopLeavingNothing(server, dir);
  });
});
