import type { ListenTarget } from '../server/listen-target.js';
import type { ProcessStats, StatusReport } from './status.js';

/** Environment variable carrying the primary's listen target to its workers (JSON). */
export const WORKER_TARGET_ENV = 'FASTCGI_FETCH_WORKER_TARGET';

/** Environment variable carrying the operator's umask to workers when the primary runs under a strict one. */
export const WORKER_UMASK_ENV = 'FASTCGI_FETCH_WORKER_UMASK';

/** Messages a worker sends its primary. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'fatal'; message: string; exitCode: number }
  | { type: 'status-request'; id: number; full: boolean }
  | { type: 'stats'; id: number; stats: ProcessStats }
  /** Sent every pulse: the primary kills a worker whose heartbeats stop (--request-timeout). */
  | { type: 'heartbeat'; stats: ProcessStats; peak: number }
  /** --max-requests reached: the primary starts a replacement, then retires this worker. */
  | { type: 'recycle'; requests: number }
  /** Sent once, when the worker has stopped serving: its counters move into the pool's totals. */
  | { type: 'final'; stats: ProcessStats };

/** Messages the primary sends a worker. */
export type PrimaryMessage =
  | { type: 'shutdown' }
  | { type: 'stats-request'; id: number; full: boolean }
  | { type: 'status-response'; id: number; report: StatusReport };

/** Narrows an IPC payload to a tagged message (anything else is not ours, e.g. cluster's own). */
export function isMessage<T extends { type: string }>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

export function encodeTarget(target: ListenTarget): string {
  return JSON.stringify(target);
}

export function decodeTarget(text: string | undefined): ListenTarget | undefined {
  if (!text) return undefined;
  const value = JSON.parse(text) as ListenTarget;
  return value;
}
