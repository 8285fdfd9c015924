import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installed, which } from '../servers/web-server.js';
import { FIXTURES, alive, childrenOf, cliArgv, fcgiGet, startProcess, stopAll, tempDir, waitUntil } from './helpers.js';

afterAll(stopAll);

const app = path.join(FIXTURES, 'app.mjs');
const hasSpawnFcgi = installed('spawn-fcgi');
if (!hasSpawnFcgi) console.log('skipping spawn-fcgi tests: spawn-fcgi is not installed (Debian package spawn-fcgi)');

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
    const workers = childrenOf(cli.pid);
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
    const workers = childrenOf(cli.pid);
    cli.child.kill('SIGKILL');
    await waitUntil(() => workers.every((pid) => !alive(pid)), 5000, 'orphaned workers to exit');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
