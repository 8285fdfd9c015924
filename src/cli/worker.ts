import cluster from 'node:cluster';
import { stopAccepting, type FastCGIServer } from '../server/serve.js';
import type { ServeCommand } from './args.js';
import { CliError } from './cli-error.js';
import { decodeTarget, isMessage, WORKER_TARGET_ENV, WORKER_UMASK_ENV, type PrimaryMessage, type WorkerMessage } from './ipc.js';
import { loadApp } from './load-app.js';
import { PoolMeter } from './pool-meter.js';
import { startPulse } from './pulse.js';
import { chooseTarget, countersFor, startServing } from './serving.js';
import { summarize, type StatusReport } from './status.js';

/** How long a leaving worker keeps reading connections it was just given before draining them. */
const HANDOFF_GRACE_MS = 500;
/** How long a leaving worker waits for the primary to take its last message before it exits anyway. */
const LEAVE_TIMEOUT_MS = 2000;

function send(message: WorkerMessage): void {
  // After the primary is gone the channel is closed; there is nobody left to tell.
  if (process.connected) process.send?.(message);
}

/**
 * Leaves node:cluster: resolves once the IPC channel is closed, which node:cluster does only
 * after the primary acknowledged the leave, and so had read every message sent before it.
 */
function leaveCluster(): Promise<void> {
  const worker = cluster.worker;
  if (!process.connected || !worker) return Promise.resolve();
  return new Promise((resolve) => {
    // A primary that does not answer (event loop blocked) must not keep this process alive.
    const timer = setTimeout(resolve, LEAVE_TIMEOUT_MS);
    process.once('disconnect', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.disconnect();
  });
}

/**
 * A cluster worker: serves the app on the primary's socket, answers its requests for counters,
 * and stops gracefully when told to, on SIGTERM/SIGINT, or when the primary disappears.
 */
export async function runWorker(command: ServeCommand): Promise<number> {
  // The primary's strict umask is for its socket only; the app creates files as the operator asked.
  const umask = process.env[WORKER_UMASK_ENV];
  if (umask !== undefined && /^\d+$/.test(umask)) process.umask(Number(umask));
  const counters = countersFor(command);
  const pending = new Map<number, (report: StatusReport) => void>();
  let nextId = 1;
  // Without the primary (it died, or does not answer): this process's own numbers.
  const local = (full: boolean) => summarize([counters.snapshot(full)], new PoolMeter(undefined).numbers(1));
  const report = (full: boolean) =>
    new Promise<StatusReport>((resolve) => {
      if (!process.connected) return resolve(local(full));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(local(full));
      }, 2000);
      pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      send({ type: 'status-request', id, full });
    });

  let stop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (stop = resolve));

  process.on('message', (message: unknown) => {
    if (!isMessage<PrimaryMessage>(message)) return;
    if (message.type === 'shutdown') stop();
    else if (message.type === 'stats-request') send({ type: 'stats', id: message.id, stats: counters.snapshot(message.full) });
    else if (message.type === 'status-response') pending.get(message.id)?.(message.report);
  });
  // The primary died (even by SIGKILL): no orphan keeps serving behind the web server's back.
  process.on('disconnect', () => stop());
  process.on('SIGTERM', () => stop());
  process.on('SIGINT', () => stop());
  // A terminal hang-up reaches the whole group; reloading is the primary's job.
  process.on('SIGHUP', () => {});

  let server: FastCGIServer;
  try {
    const target = decodeTarget(process.env[WORKER_TARGET_ENV]) ?? chooseTarget(command);
    const { app } = await loadApp(command.module);
    server = await startServing(app, command, target, counters, report);
  } catch (error) {
    const failure = error instanceof CliError ? error : new CliError(error instanceof Error ? error.message : String(error));
    // The primary reports it (once, not once per worker); alone, say it ourselves.
    if (!process.connected) throw failure;
    send({ type: 'fatal', message: failure.message, exitCode: failure.exitCode });
    return failure.exitCode;
  }
  send({ type: 'ready' });
  // --max-requests, plus up to 10% at random: workers started together do not all leave together.
  const { maxRequests } = command.pool;
  const recycleAfter = maxRequests === undefined ? undefined : maxRequests + Math.floor(Math.random() * (Math.floor(maxRequests / 10) + 1));
  let recycleAsked = false;
  const heartbeat = () => send({ type: 'heartbeat', stats: counters.snapshot(), peak: counters.takePeak() });
  const stopPulse = startPulse(counters, command.pool, () => {
    heartbeat();
    if (recycleAfter !== undefined && !recycleAsked && counters.totalRequests >= recycleAfter) {
      recycleAsked = true;
      send({ type: 'recycle', requests: counters.totalRequests });
    }
  });
  await stopRequested;
  // Leave the primary's rotation first: closing the listening socket makes node:cluster hand
  // new connections to the other workers, and the IPC channel stays open for the last report.
  // A connection handed over just before has not sent its request yet: give it a moment to, so
  // draining waits for it instead of closing it.
  stopAccepting(server);
  await new Promise((resolve) => setTimeout(resolve, Math.min(HANDOFF_GRACE_MS, command.shutdownTimeout)));
  await server.close({ timeout: command.shutdownTimeout });
  stopPulse();
  // Every request this worker will ever begin has begun: these counters are final, and the pool's
  // totals keep them exactly. Only then leave the cluster (it waits until the primary read them).
  send({ type: 'final', stats: counters.snapshot() });
  await leaveCluster();
  return 0;
}
