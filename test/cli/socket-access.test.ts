/**
 * --socket-mode, --socket-owner and --socket-group (php-fpm's listen.mode/owner/group), with one
 * process and with --workers, where node:cluster binds the socket in the primary.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installForAnyUser } from '../support/install-for-any-user.js';
import { missing } from '../support/requirement.js';
import { FIXTURES, fcgiGet, startCli, startProcess, stopAll, tempDir, workersOf } from './helpers.js';

afterAll(stopAll);

const app = path.join(FIXTURES, 'app.mjs');
const isRoot = process.getuid?.() === 0;
const umaskOf = (pid: number | 'self') => /^Umask:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
const ids = (file: string) => {
  const { uid, gid, mode } = fs.statSync(file);
  return { uid, gid, mode: mode & 0o777 };
};

describe('the socket file gets the mode, owner and group asked', () => {
  it('with --workers too: the primary binds it strictly and a worker opens it up', async () => {
    const dir = tempDir('workers-mode');
    const sock = path.join(dir, 'app.sock');
    // Before, the primary bound it under its own umask (0755 here) and nothing set the mode.
    const cli = startCli(['serve', app, '--listen', sock, '--workers', '2', '--socket-mode', '640']);
    await cli.waitFor(/serving .* with 2 worker/);
    expect(ids(sock).mode.toString(8)).toBe('640');
    expect((await fcgiGet({ path: sock })).status).toBe(200);
    // The strict umask is the primary's alone: the app's own files get the operator's.
    expect(umaskOf(cli.pid)).toBe('0177');
    const workers = workersOf(cli.pid);
    expect(workers).toHaveLength(2);
    for (const worker of workers) expect(umaskOf(worker)).toBe(umaskOf('self'));
    await cli.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fails with one line, binding nothing, when the group does not exist', async () => {
    const dir = tempDir('no-group');
    const sock = path.join(dir, 'app.sock');
    const cli = startCli(['serve', app, '--listen', sock, '--socket-group', 'no-such-group-here']);
    expect(await cli.exited).toBe(1);
    expect(cli.output().trim().split('\n')).toEqual([
      expect.stringMatching(/^fastcgi-fetch: cannot listen on .*app\.sock: no such group "no-such-group-here" on this machine/),
    ]);
    expect(fs.existsSync(sock)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe.skipIf(missing('socket owner and group', isRoot ? undefined : 'changing owners needs root'))('as root', () => {
  it('gives the socket to the owner and group named by flags or environment variables, with one process and with workers', async () => {
    for (const workers of [[], ['--workers', '2']]) {
      const dir = tempDir('owner');
      const sock = path.join(dir, 'app.sock');
      const cli = startCli(['serve', app, '--listen', sock, '--socket-owner', 'nobody', ...workers], {
        env: { FASTCGI_SOCKET_GROUP: 'daemon' },
      });
      await cli.waitFor(/serving/);
      expect(ids(sock)).toEqual({ uid: 65534, gid: 1, mode: 0o660 });
      await cli.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const asNobody = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'];
  // The built package where nobody can read it (the checkout may be under /root).
  const install = isRoot ? installForAnyUser([app]) : undefined;
  afterAll(() => install?.remove());
  const nobodyCanRun =
    install !== undefined &&
    spawnSync(asNobody[0]!, [...asNobody.slice(1), process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(install.cli)})`]).status === 0;

  it.skipIf(missing('socket group as nobody', nobodyCanRun ? undefined : 'user nobody cannot run node or read this checkout'))(
    'tells a user that may not give the socket to a group why and what to do, and leaves no socket behind',
    async () => {
      const dir = tempDir('not-permitted');
      fs.chmodSync(dir, 0o777);
      const sock = path.join(dir, 'app.sock');
      const [bin, ...args] = asNobody;
      const installedApp = install!.files[path.basename(app)]!;
      const cli = startProcess(bin!, [...args, process.execPath, install!.cli, 'serve', installedApp, '--listen', sock, '--socket-group', 'daemon']);
      expect(await cli.exited).toBe(1);
      expect(cli.output().trim().split('\n')).toEqual([
        expect.stringMatching(
          /^fastcgi-fetch: cannot listen on .*app\.sock: not permitted to give .*app\.sock to group daemon \(gid 1\): .*\(this one runs as nobody: usermod -aG daemon nobody, or start as root\)$/,
        ),
      ]);
      expect(fs.existsSync(sock)).toBe(false);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  );
});
