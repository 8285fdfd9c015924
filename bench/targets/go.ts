/** Go's net/http/fcgi, built with Debian's golang-go (standard library only). */
import fs from 'node:fs';
import path from 'node:path';
import { run } from '../lib/processes.js';
import { BENCH_DIR, startOnSocket, type Target } from './target.js';

let binary: string | undefined;

export const goFcgi: Target = {
  name: 'go net/http/fcgi',
  protocol: 'fastcgi',
  async prepare(work) {
    const home = path.join(work, 'go');
    fs.mkdirSync(home, { recursive: true });
    binary = path.join(work, 'go-app');
    const env = { ...process.env, GOCACHE: path.join(home, 'cache'), GOPATH: path.join(home, 'path'), GO111MODULE: 'off', GOFLAGS: '' };
    await run('go', ['build', '-o', binary, path.join(BENCH_DIR, 'go', 'main.go')], { env });
  },
  start(dir) {
    if (binary === undefined) throw new Error('go target not prepared');
    const socket = path.join(dir, 'go.sock');
    return startOnSocket(this.name, socket, binary, [socket], path.join(dir, 'go.log'));
  },
};
