/**
 * node:cluster's primary accepts each connection and hands it to a worker, keeping its own copy
 * until the worker answers that it took it. A worker whose event loop is blocked never answers,
 * and once it is killed nothing closes that copy: the web server's request would wait for its
 * own timeout (nginx: 60 s) instead of getting its error page at once. Such copies are raw
 * handles (no net.Socket around them), which the primary holds for nothing else.
 */
interface RawHandle {
  close(): void;
}

type HandleLister = () => unknown[];

function isRawConnection(handle: unknown): handle is RawHandle {
  const name = (handle as { constructor?: { name?: string } } | null)?.constructor?.name;
  return (name === 'TCP' || name === 'Pipe') && typeof (handle as { close?: unknown }).close === 'function';
}

/** The connections waiting to be handed to a worker now (empty where the runtime cannot list them). */
export function pendingHandoffs(): Set<RawHandle> {
  // Undocumented but long-standing (why-is-node-running uses it); feature-tested, not assumed.
  const list = (process as unknown as { _getActiveHandles?: HandleLister })._getActiveHandles;
  return new Set(typeof list === 'function' ? list.call(process).filter(isRawConnection) : []);
}

/**
 * Closes the connections that were waiting at `before` and still are: a live worker takes its
 * connection within milliseconds, so those were handed to the worker that was killed since.
 * The web server sees the connection close and answers its error page. Returns how many.
 */
export function closeOrphanedHandoffs(before: ReadonlySet<RawHandle>): number {
  let closed = 0;
  for (const handle of pendingHandoffs()) {
    if (!before.has(handle)) continue;
    handle.close();
    closed++;
  }
  return closed;
}
