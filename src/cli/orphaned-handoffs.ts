/**
 * node:cluster's primary accepts each connection and hands it to a worker, keeping its own copy
 * until the worker answers that it took it. A worker whose event loop is blocked never answers,
 * and once it is killed nothing closes that copy: the web server's request would wait for its
 * own timeout (nginx: 60 s) instead of getting its error page at once. Such copies are raw
 * handles (no net.Socket around them), which the primary holds for nothing else.
 */
import type { ChildProcess } from 'node:child_process';

interface RawHandle {
  close(): void;
  readonly fd?: number;
}

type HandleLister = () => unknown[];

function isRawConnection(handle: unknown): handle is RawHandle {
  const name = (handle as { constructor?: { name?: string } } | null)?.constructor?.name;
  return (name === 'TCP' || name === 'Pipe') && typeof (handle as { close?: unknown }).close === 'function';
}

/**
 * The fds of the IPC channels (the workers', and our own when a parent gave us one), or undefined
 * where the runtime does not tell them. A channel is a raw Pipe handle as well, and closing a
 * worker's makes that worker exit.
 */
function channelFds(workers: Iterable<ChildProcess>): Set<number> | undefined {
  const fds = new Set<number>();
  for (const channel of [process.channel, ...[...workers].map((worker) => worker.channel)]) {
    if (channel == null) continue;
    const fd = (channel as { fd?: unknown }).fd;
    if (typeof fd !== 'number') return undefined;
    fds.add(fd);
  }
  return fds;
}

/**
 * The connections waiting to be handed to a worker now, `workers` being every worker process
 * (empty where the runtime cannot list them or cannot tell them from the workers' channels).
 */
export function pendingHandoffs(workers: Iterable<ChildProcess>): Set<RawHandle> {
  // Undocumented but long-standing (why-is-node-running uses it); feature-tested, not assumed.
  const list = (process as unknown as { _getActiveHandles?: HandleLister })._getActiveHandles;
  const channels = channelFds(workers);
  if (typeof list !== 'function' || channels === undefined) return new Set();
  return new Set(
    list
      .call(process)
      .filter(isRawConnection)
      .filter((handle) => !channels.has(handle.fd ?? -1)),
  );
}

/**
 * Closes the connections that were waiting at `before` and still are: a live worker takes its
 * connection within milliseconds, so those were handed to the worker that was killed since.
 * The web server sees the connection close and answers its error page. Returns how many.
 */
export function closeOrphanedHandoffs(before: ReadonlySet<RawHandle>, workers: Iterable<ChildProcess>): number {
  let closed = 0;
  for (const handle of pendingHandoffs(workers)) {
    if (!before.has(handle)) continue;
    handle.close();
    closed++;
  }
  return closed;
}
