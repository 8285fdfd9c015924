import cluster from 'node:cluster';
import type { Server } from 'node:net';

/**
 * Listens on an inherited socket fd in this very process, even in a node:cluster worker.
 *
 * Why: in a worker, node:net hands `listen({ fd })` to the cluster primary (it has no `exclusive`
 * opt-out for fds, Node 20 to 24), and the primary closes an fd above 2 once its last worker has
 * exited: a replacement worker could never listen again, and the next fd the primary opens takes
 * that number. node:net asks `cluster.isPrimary` synchronously inside listen(), so the worker is
 * a primary for exactly that call.
 */
export function listenOnOwnFd(server: Server, fd: number, onListening: () => void): void {
  if (!cluster.isWorker) {
    server.listen({ fd }, onListening);
    return;
  }
  const role = cluster as { isPrimary: boolean };
  const was = role.isPrimary;
  role.isPrimary = true;
  try {
    server.listen({ fd }, onListening);
  } finally {
    role.isPrimary = was;
  }
}
