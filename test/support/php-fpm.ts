import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unixSocketAccepts } from '../../src/net/socket-transport.js';

/** Debian's php-fpm binary (package php-fpm), whatever PHP version it is for: php-fpm8.2, php-fpm8.4... */
export const PHP_FPM = findPhpFpm();

function findPhpFpm(): string | undefined {
  if (existsSync('/usr/sbin/php-fpm')) return '/usr/sbin/php-fpm';
  const versioned = readdirSync('/usr/sbin').filter((name) => /^php-fpm\d+(\.\d+)?$/.test(name));
  // The newest version when several are installed.
  versioned.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  return versioned[0] === undefined ? undefined : join('/usr/sbin', versioned[0]);
}

export interface PhpFpm {
  /** Unix socket php-fpm listens on. */
  socket: string;
  /** Document root holding the scripts. */
  root: string;
  stop(): Promise<void>;
}

/**
 * Starts php-fpm in the foreground with its own global and pool config (no php.ini), serving
 * `scripts` from a temporary document root over a Unix socket.
 */
export async function startPhpFpm(scripts: Record<string, string>, children = 4): Promise<PhpFpm> {
  if (PHP_FPM === undefined) throw new Error('php-fpm is not installed');
  const dir = await mkdtemp(join(tmpdir(), 'fastcgi-fetch-fpm-'));
  const root = join(dir, 'www');
  const socket = join(dir, 'php-fpm.sock');
  await mkdir(root);
  for (const [name, source] of Object.entries(scripts)) await writeFile(join(root, name), source);
  const config = [
    '[global]',
    `pid = ${join(dir, 'php-fpm.pid')}`,
    `error_log = ${join(dir, 'php-fpm.log')}`,
    'daemonize = no',
    '[test]',
    `listen = ${socket}`,
    'pm = static',
    `pm.max_children = ${children}`,
    'clear_env = yes',
    // Errors go to the SAPI logger, which sends them to FCGI_STDERR (fastcgi.logging).
    'php_admin_value[log_errors] = On',
    'php_admin_value[display_errors] = Off',
    'php_admin_value[fastcgi.logging] = On',
    'php_admin_value[post_max_size] = 64M',
    'php_admin_value[upload_max_filesize] = 64M',
    '',
  ].join('\n');
  const configPath = join(dir, 'php-fpm.conf');
  await writeFile(configPath, config);
  let output = '';
  const child: ChildProcess = spawn(PHP_FPM, ['-F', '-n', '-y', configPath, '-p', dir, '-R'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) break;
    if (existsSync(socket) && (await unixSocketAccepts(socket))) return { socket, root, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const log = await readFile(join(dir, 'php-fpm.log'), 'utf8').catch(() => '');
  await stop();
  throw new Error(`php-fpm did not start:\n${output}${log}`);
}
