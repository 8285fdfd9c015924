import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ListenQueueProbe } from './listen-queue.js';

describe('ListenQueueProbe', () => {
  it('reads how many connections wait on its own TCP socket from /proc/net/tcp, and keeps the most seen', async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const probe = new ListenQueueProbe({ kind: 'tcp', host: '127.0.0.1', port });
    expect(probe.sample()).toBe(0);
    // execFileSync blocks this event loop, so nothing accepts the child's three connections.
    const client = `const net = require('net'); let n = 0; for (let i = 0; i < 3; i++) net.connect(${port}, '127.0.0.1', () => { if (++n === 3) process.exit(0); });`;
    execFileSync(process.execPath, ['-e', client]);
    expect(probe.sample()).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(probe.sample()).toBe(0);
    expect(probe.max).toBe(3);
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(probe.capacity).toBe(Math.min(511, somaxconn));
    server.close();
  });

  it('says null, not 0, for a Unix socket: Linux does not report its queue', () => {
    const probe = new ListenQueueProbe({ kind: 'unix', path: '/run/app.sock' });
    expect(probe.sample()).toBeNull();
    expect(probe.max).toBeNull();
    expect(probe.capacity).toBeGreaterThan(0);
  });
});
