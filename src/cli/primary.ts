import cluster, { type Worker } from 'node:cluster';
import type { ListenTarget } from '../server/listen-target.js';
import { clearStaleSocket } from '../server/unix-socket.js';
import type { ServeCommand } from './args.js';
import { CliError, describeListenError } from './errors.js';
import { encodeTarget, isMessage, WORKER_TARGET_ENV, WORKER_UMASK_ENV, type PrimaryMessage, type WorkerMessage } from './ipc.js';
import { log } from './log.js';
import { chooseTarget, describeTarget } from './serving.js';
import { summarize, type ProcessStats } from './status.js';
import { statusLine, systemdNotifier } from './systemd-notify.js';

/** A worker that crashes sooner than this after starting counts towards the backoff. */
const STABLE_AFTER_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;
/** How long a new worker may take to load the app and listen. */
const READY_TIMEOUT_MS = 60_000;

interface Slot {
  readonly worker: Worker;
  readonly startedAt: number;
  /** Resolves once listening; rejects with the worker's error if it dies first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  /** Being stopped on purpose: its exit is not a crash. */
  retiring: boolean;
}

function send(worker: Worker, message: PrimaryMessage): void {
  if (worker.isConnected()) worker.send(message);
}

function timeout(ms: number): Promise<'timeout'> {
  return new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
}

/**
 * The node:cluster primary: keeps `workers` processes serving one socket (cluster hands each
 * accepted connection to a worker), restarts crashed ones with exponential backoff, rolls
 * restarts on SIGHUP, stops gracefully on SIGTERM/SIGINT, and sums their counters for /status.
 */
class Supervisor {
  readonly #slots = new Map<number, Slot>();
  readonly #startedAt = Date.now();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #statsWaiters = new Map<number, (stats: ProcessStats) => void>();
  #nextStatsId = 1;
  #restarts = 0;
  #quickFailures = 0;
  #shuttingDown = false;
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;

  constructor(
    private readonly command: ServeCommand & { workers: number },
    private readonly targetJson: string,
  ) {}

  #fork(): Slot {
    const worker = cluster.fork({ [WORKER_TARGET_ENV]: this.targetJson });
    let fatal: string | undefined;
    let markReady!: () => void;
    let markFailed!: (error: CliError) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    ready.catch(() => {});
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const slot: Slot = { worker, startedAt: Date.now(), ready, exited, retiring: false };
    this.#slots.set(worker.id, slot);

    worker.on('message', (message: unknown) => {
      if (!isMessage<WorkerMessage>(message)) return;
      switch (message.type) {
        case 'ready':
          markReady();
          break;
        case 'fatal':
          fatal = message.message;
          markFailed(new CliError(message.message, message.exitCode));
          break;
        case 'status-request':
          void this.#status().then((report) => send(worker, { type: 'status-response', id: message.id, report }));
          break;
        case 'stats':
          this.#statsWaiters.get(message.id)?.(message.stats);
          break;
      }
    });
    worker.once('exit', (code, signal) => {
      this.#slots.delete(worker.id);
      markFailed(new CliError(fatal ?? `worker ${worker.process.pid} exited (${signal ?? `code ${code}`}) before it was ready`));
      if (slot.retiring || this.#shuttingDown) return;
      this.#crashed(slot, fatal ?? (signal ? `killed by ${signal}` : `exited with code ${code}`));
    });
    return slot;
  }

  #crashed(slot: Slot, why: string): void {
    this.#restarts++;
    this.#quickFailures = Date.now() - slot.startedAt >= STABLE_AFTER_MS ? 1 : this.#quickFailures + 1;
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** (this.#quickFailures - 1));
    log(`worker ${slot.worker.process.pid} ${why}; starting another in ${delay} ms`);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#shuttingDown) this.#fork();
    }, delay);
    this.#timers.add(timer);
  }

  /** Asks the worker to finish its requests and exit; kills it if it outlives the bound. */
  async #retire(slot: Slot): Promise<void> {
    slot.retiring = true;
    send(slot.worker, { type: 'shutdown' });
    if (slot.worker.isDead()) return;
    if ((await Promise.race([slot.exited, timeout(this.command.shutdownTimeout + 5000)])) === 'timeout') {
      log(`worker ${slot.worker.process.pid} did not stop in time; killing it`);
      slot.worker.process.kill('SIGKILL');
      await slot.exited;
    }
  }

  /** The report the status path shows, summed over the live workers. */
  status() {
    return this.#status();
  }

  async #status() {
    const live = [...this.#slots.values()].filter((s) => !s.retiring && s.worker.isConnected());
    const stats = await Promise.all(
      live.map(
        (slot) =>
          new Promise<ProcessStats | undefined>((resolve) => {
            const id = this.#nextStatsId++;
            const timer = setTimeout(() => {
              this.#statsWaiters.delete(id);
              resolve(undefined);
            }, 1000);
            this.#statsWaiters.set(id, (s) => {
              clearTimeout(timer);
              this.#statsWaiters.delete(id);
              resolve(s);
            });
            send(slot.worker, { type: 'stats-request', id });
          }),
      ),
    );
    return summarize(
      stats.filter((s): s is ProcessStats => s !== undefined),
      { startedAt: this.#startedAt, workers: live.length, workerRestarts: this.#restarts },
    );
  }

  /**
   * SIGHUP: one at a time, a new worker (new code) starts and listens, then an old one leaves.
   * Resolves when done; a SIGHUP meanwhile runs it once more and gets the same promise.
   */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      do {
        this.#reloadAgain = false;
        const old = [...this.#slots.values()].filter((s) => !s.retiring);
        log(`SIGHUP: restarting ${old.length} worker(s) one at a time`);
        for (const slot of old) {
          if (this.#shuttingDown) return;
          const fresh = this.#fork();
          const outcome = await Promise.race([fresh.ready.then(() => 'ready' as const, (e: unknown) => e), timeout(READY_TIMEOUT_MS)]);
          if (outcome !== 'ready') {
            const why = outcome === 'timeout' ? 'it did not get ready in time' : outcome instanceof Error ? outcome.message : String(outcome);
            log(`reload aborted, the running workers keep serving: a new worker failed: ${why}`);
            await this.#retire(fresh);
            return;
          }
          await this.#retire(slot);
        }
        log('reload done');
      } while (this.#reloadAgain && !this.#shuttingDown);
    })().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  /** Starts every worker; rejects with the first worker's error if one cannot start. */
  async start(): Promise<void> {
    const slots = Array.from({ length: this.command.workers }, () => this.#fork());
    try {
      await Promise.all(slots.map((s) => s.ready));
    } catch (error) {
      await this.shutdown();
      throw error;
    }
  }

  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all([...this.#slots.values()].map((slot) => this.#retire(slot)));
  }

  killAll(): void {
    for (const slot of this.#slots.values()) slot.worker.process.kill('SIGKILL');
  }
}

/**
 * Inherited sockets above fd 2 (systemd's, `--fd 3`) go to each worker under the same number and
 * the worker accepts on them itself: through the primary, node:cluster would close such an fd
 * once its last worker exits, and no replacement could listen again.
 */
function inheritedByWorkers(target: ListenTarget): ListenTarget {
  return target.kind === 'fd' && target.fd > 2 ? { kind: 'fds', fds: [target.fd], names: [] } : target;
}

function workerStdio(fds: readonly number[]): Array<number | 'ignore' | 'ipc'> {
  const stdio: Array<number | 'ignore' | 'ipc'> = [0, 1, 2];
  for (let fd = 3; fd <= Math.max(...fds); fd++) stdio.push(fds.includes(fd) ? fd : 'ignore');
  return [...stdio, 'ipc'];
}

/** `serve --workers N`: runs the cluster primary. Resolves with the exit code. */
export async function runPrimary(command: ServeCommand & { workers: number }): Promise<number> {
  const notify = systemdNotifier();
  const target = inheritedByWorkers(chooseTarget(command));
  const where = describeTarget(target);
  if (target.kind === 'unix') {
    try {
      await clearStaleSocket(target.path);
    } catch (error) {
      throw describeListenError(error, where);
    }
    // node:cluster binds the socket here, in the primary, when the first worker listens; the
    // worker then gives it its mode, owner and group. Until then it must not be wider than
    // owner-only, so the primary keeps a strict umask; workers get the operator's back.
    process.env[WORKER_UMASK_ENV] = String(process.umask(0o177));
  }
  // Workers run this same script; a plain `node` child would not know about tsx & co.
  cluster.setupPrimary(target.kind === 'fds' ? { stdio: workerStdio(target.fds) } : { silent: false });
  const supervisor = new Supervisor(command, encodeTarget(target));

  let signalled: NodeJS.Signals | undefined;
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const stop = (signal: NodeJS.Signals) => {
    if (signalled) {
      log(`${signal} again: killing the workers`);
      supervisor.killAll();
      finish(1);
      return;
    }
    signalled = signal;
    log(`${signal}: stopping the workers gracefully (at most ${command.shutdownTimeout} ms)`);
    notify.stopping();
    void supervisor.shutdown().then(() => finish(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const status = async () => statusLine(await supervisor.status());
  let reloading: Promise<void> | undefined;
  process.on('SIGHUP', () => {
    if (signalled) return;
    notify.reloading();
    const done = supervisor.reload();
    if (done === reloading) return;
    reloading = done;
    void done.then(async () => {
      if (!signalled) notify.ready(await status());
    });
  });

  try {
    await supervisor.start();
  } catch (error) {
    if (signalled) return finished;
    throw error;
  }
  log(`serving ${command.module} on ${where} with ${command.workers} worker(s); primary pid ${process.pid}`);
  notify.ready(await status());
  notify.watch(status);
  const code = await finished;
  await notify.flush();
  return code;
}
