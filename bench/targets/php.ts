/** php-fpm (Debian), a static pool with one worker per bench connection. */
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, startOnSocket, type Target } from './target.js';

/** The php-fpm binary: Debian names it after the PHP version. */
export function phpFpmBinary(): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin']) {
    const found = fs
      .readdirSync(dir)
      .filter((name) => /^php-fpm[\d.]*$/.test(name))
      .sort()
      .at(-1);
    if (found) return path.join(dir, found);
  }
  return undefined;
}

/** Workers in the static pool: nginx never has more requests in flight than wrk has connections. */
export function phpTarget(workers: number): Target {
  return {
    name: 'php-fpm',
    protocol: 'fastcgi',
    start(dir) {
      const binary = phpFpmBinary();
      if (binary === undefined) throw new Error('php-fpm not installed');
      const socket = path.join(dir, 'php.sock');
      const config = path.join(dir, 'php-fpm.conf');
      fs.writeFileSync(
        config,
        `[global]
pid = ${dir}/php-fpm.pid
error_log = ${dir}/php-fpm.error.log
daemonize = no

[bench]
listen = ${socket}
listen.mode = 0666
listen.backlog = 1024
pm = static
pm.max_children = ${workers}
pm.max_requests = 0
catch_workers_output = yes
php_admin_flag[log_errors] = on
`,
      );
      return startOnSocket(this.name, socket, binary, ['-R', '-y', config], path.join(dir, 'php.log'));
    },
  };
}

/** The script every request runs (nginx passes it as SCRIPT_FILENAME). */
export const PHP_SCRIPT = path.join(BENCH_DIR, 'php', 'index.php');
