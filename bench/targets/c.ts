/** C libfcgi (Debian libfcgi-dev), one thread per connection. */
import path from 'node:path';
import { run } from '../lib/processes.js';
import { BENCH_DIR, startOnSocket, type Target } from './target.js';

let binary: string | undefined;

export const cLibfcgi: Target = {
  name: 'C libfcgi',
  protocol: 'fastcgi',
  async prepare(work) {
    binary = path.join(work, 'c-app');
    await run('gcc', ['-O2', '-Wall', '-o', binary, path.join(BENCH_DIR, 'c', 'app.c'), '-lfcgi', '-lpthread']);
  },
  start(dir) {
    if (binary === undefined) throw new Error('C target not prepared');
    const socket = path.join(dir, 'c.sock');
    return startOnSocket(this.name, socket, binary, [socket], path.join(dir, 'c.log'));
  },
};
