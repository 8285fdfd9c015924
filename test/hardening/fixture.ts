/** Per-test servers and peers for the hardening suites, all closed and removed after each test. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { FastCGIServer } from 'fastcgi-fetch';
import { Peer } from '../support/fastcgi-peer.js';

export interface ServerFixture {
  /** A fresh socket path in this test's temp dir. */
  socketPath(): string;
  /** Keeps `server` for the cleanup and waits until it listens. */
  started(server: FastCGIServer): Promise<FastCGIServer>;
  /** A raw peer connected to `server`, destroyed after the test. */
  open(server: FastCGIServer, options?: { allowHalfOpen?: boolean }): Promise<Peer>;
}

export function serverFixture(prefix: string): ServerFixture {
  let dir = '';
  let sockets = 0;
  const servers: FastCGIServer[] = [];
  const peers: Peer[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.destroy();
    await Promise.all(servers.splice(0).map((server) => server.close({ timeout: 100 })));
    await rm(dir, { recursive: true, force: true });
  });
  return {
    socketPath: () => join(dir, `app-${sockets++}.sock`),
    started(server) {
      servers.push(server);
      return server.ready();
    },
    async open(server, options) {
      const peer = await Peer.open(server.address, options);
      peers.push(peer);
      return peer;
    },
  };
}
