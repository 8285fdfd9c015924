import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { closeOrphanedHandoffs, pendingHandoffs } from './orphaned-handoffs.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A child with an IPC channel, as node:cluster's workers have. */
async function childWithChannel(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'process.send("up"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(child);
  await once(child, 'message');
  return child;
}

function rawPipeFds(): number[] {
  const handles = (process as unknown as { _getActiveHandles(): Array<{ constructor: { name: string }; fd: number }> })._getActiveHandles();
  return handles.filter((h) => h.constructor.name === 'Pipe').map((h) => h.fd);
}

describe('pendingHandoffs', () => {
  it("never takes a worker's IPC channel (a raw Pipe handle too) for a connection, so the primary leaves it open", async () => {
    const worker = await childWithChannel();
    const channel = (worker.channel as unknown as { fd: number }).fd;
    // The runtime lists the channel among raw handles: what made it look like a handoff.
    expect(rawPipeFds()).toContain(channel);

    const before = pendingHandoffs([worker]);
    expect([...before].map((h) => h.fd)).not.toContain(channel);
    expect(closeOrphanedHandoffs(before, [worker])).toBe(0);
    expect(worker.connected).toBe(true);
    worker.send('still there');
    expect(worker.exitCode).toBeNull();
  });

  it('lists nothing where the runtime does not tell a channel from a connection', async () => {
    const worker = await childWithChannel();
    const opaque = { channel: { ref() {}, unref() {} } } as unknown as ChildProcess;
    expect(pendingHandoffs([worker, opaque]).size).toBe(0);
  });
});
