import type { ChildProcess } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import type { ListenTarget } from '../server/listen-target.js';
import { clearStaleSocket } from '../server/unix-socket.js';
import type { ServeCommand } from './args.js';
import { CliError, describeListenError } from './cli-error.js';
import { encodeTarget, isMessage, WORKER_TARGET_ENV, WORKER_UMASK_ENV, type PrimaryMessage, type WorkerMessage } from './ipc.js';
import { ListenQueueProbe } from './listen-queue.js';
import { log } from './log.js';
import { closeOrphanedHandoffs, pendingHandoffs } from './orphaned-handoffs.js';
import { PoolMeter } from './pool-meter.js';
import { pulsePeriod } from './pulse.js';
import { chooseTarget, describeTarget } from './serving.js';
import { checkSlowLog } from './slowlog.js';
import { summarize, type ProcessStats, type StatusReport } from './status.js';
import { statusLine, systemdNotifier } from './systemd-notify.js';

/** A worker that crashes sooner than this after starting counts towards the backoff. */
const STABLE_AFTER_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;
/** How long a new worker may take to load the app and listen. */
const READY_TIMEOUT_MS = 60_000;
/** A connection not taken this long after its worker died was handed to that worker (live ones take theirs in ms). */
const ORPHAN_AFTER_MS = 500;

/** A worker as the supervisor keeps track of it. */
interface WorkerEntry {
  readonly worker: Worker;
  readonly startedAt: number;
  /** Resolves once listening; rejects with the worker's error if it dies first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  /** Being stopped on purpose: its exit is not a crash. */
  retiring: boolean;
  /** A replacement is starting for it (reload or --max-requests): no second one. */
  replacing: boolean;
  /** When its last heartbeat came (ms since the epoch); 0 until it is ready. */
  lastBeat: number;
  /** Its counters as last reported: they go into the pool's totals if it exits without final ones. */
  lastStats: ProcessStats | undefined;
  /** Its counters are in the pool's totals (it sent its final ones, or exited): never count it live again. */
  counted: boolean;
  /** The most requests it had in flight at once during its last heartbeat period. */
  lastPeak: number;
  /** Why the primary killed it. */
  killed: string | undefined;
  /** Started to replace a running worker: if it dies before it is ready, that one keeps serving. */
  readonly replacement: boolean;
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
  readonly #entries = new Map<number, WorkerEntry>();
  readonly #meter: PoolMeter;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #statsWaiters = new Map<number, (stats: ProcessStats) => void>();
  #nextStatsId = 1;
  #quickFailures = 0;
  #shuttingDown = false;
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;

  constructor(
    private readonly command: ServeCommand & { workers: number },
    private readonly targetJson: string,
    probe: ListenQueueProbe | undefined,
  ) {
    this.#meter = new PoolMeter(probe);
  }

  #fork(replacement = false): WorkerEntry {
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
    const entry: WorkerEntry = {
      worker,
      startedAt: Date.now(),
      ready,
      exited,
      retiring: false,
      replacing: false,
      lastBeat: 0,
      lastStats: undefined,
      counted: false,
      lastPeak: 0,
      killed: undefined,
      replacement,
    };
    this.#entries.set(worker.id, entry);

    worker.on('message', (message: unknown) => {
      if (!isMessage<WorkerMessage>(message)) return;
      switch (message.type) {
        case 'ready':
          entry.lastBeat = Date.now();
          markReady();
          break;
        case 'heartbeat':
          entry.lastBeat = Date.now();
          entry.lastStats = message.stats;
          entry.lastPeak = message.peak;
          break;
        case 'final':
          this.#count(entry, message.stats);
          break;
        case 'recycle':
          void this.#recycle(entry, message.requests);
          break;
        case 'fatal':
          fatal = message.message;
          markFailed(new CliError(message.message, message.exitCode));
          break;
        case 'status-request':
          void this.#status(message.full).then((report) => send(worker, { type: 'status-response', id: message.id, report }));
          break;
        case 'stats':
          this.#statsWaiters.get(message.id)?.(message.stats);
          break;
      }
    });
    worker.once('exit', (code, signal) => {
      this.#entries.delete(worker.id);
      // Crashed, killed, or its final counters were lost: what it said last.
      this.#count(entry, entry.lastStats);
      markFailed(new CliError(fatal ?? `worker ${worker.process.pid} exited (${signal ?? `code ${code}`}) before it was ready`));
      if (entry.retiring || this.#shuttingDown || (entry.replacement && entry.lastBeat === 0)) return;
      this.#crashed(entry, entry.killed ?? fatal ?? (signal ? `killed by ${signal}` : `exited with code ${code}`));
    });
    return entry;
  }

  /** Moves a worker's counters into the pool's totals, once. */
  #count(entry: WorkerEntry, stats: ProcessStats | undefined): void {
    if (entry.counted) return;
    entry.counted = true;
    this.#meter.retire(stats);
  }

  #crashed(entry: WorkerEntry, why: string): void {
    this.#meter.restarts++;
    this.#quickFailures = Date.now() - entry.startedAt >= STABLE_AFTER_MS ? 1 : this.#quickFailures + 1;
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** (this.#quickFailures - 1));
    log(`worker ${entry.worker.process.pid} ${why}; starting another in ${delay} ms`);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.#shuttingDown) this.#fork();
    }, delay);
    this.#timers.add(timer);
  }

  /** Every worker process, retiring ones included. */
  #processes(): ChildProcess[] {
    return [...this.#entries.values()].map((entry) => entry.worker.process);
  }

  /** Asks the worker to finish its requests and exit; kills it if it outlives the bound. */
  async #retire(entry: WorkerEntry): Promise<void> {
    entry.retiring = true;
    send(entry.worker, { type: 'shutdown' });
    if (entry.worker.isDead()) return;
    if ((await Promise.race([entry.exited, timeout(this.command.shutdownTimeout + 5000)])) === 'timeout') {
      log(`worker ${entry.worker.process.pid} did not stop in time; killing it`);
      entry.worker.process.kill('SIGKILL');
      await entry.exited;
    }
  }

  /** The report the status path shows, summed over the workers. */
  status(full = false): Promise<StatusReport> {
    return this.#status(full);
  }

  /** A worker's counters, or undefined when it does not answer within a second. */
  #askStats(entry: WorkerEntry, full: boolean): Promise<ProcessStats | undefined> {
    return new Promise((resolve) => {
      const id = this.#nextStatsId++;
      const timer = setTimeout(() => {
        this.#statsWaiters.delete(id);
        resolve(undefined);
      }, 1000);
      this.#statsWaiters.set(id, (stats) => {
        clearTimeout(timer);
        this.#statsWaiters.delete(id);
        resolve(stats);
      });
      send(entry.worker, { type: 'stats-request', id, full });
    });
  }

  async #status(full: boolean): Promise<StatusReport> {
    const entries = [...this.#entries.values()].filter((s) => s.worker.isConnected() && !s.counted);
    // One not ready yet has served nothing: no need to wait for its answer.
    const answers = await Promise.all(entries.map((entry) => (entry.lastBeat > 0 ? this.#askStats(entry, full) : undefined)));
    // A worker that left meanwhile is in the totals now: counting its answer too would count it twice.
    const stats: ProcessStats[] = [];
    entries.forEach((entry, i) => {
      if (entry.counted) return;
      const answer = answers[i];
      if (answer !== undefined) stats.push(entry.retiring ? { ...answer, state: 'finishing' } : answer);
      // A worker whose event loop is blocked: what it said last.
      else if (entry.lastStats) stats.push({ ...entry.lastStats, state: 'not responding' });
    });
    const workers = entries.filter((s) => !s.retiring && !s.counted).length;
    return summarize(stats, this.#meter.numbers(workers));
  }

  /**
   * Every pulse: kills a worker whose heartbeats stopped for longer than --request-timeout (its
   * event loop is blocked: nothing else can stop it), adds up the peaks of requests in flight,
   * and looks at the listen queue.
   */
  #tick(): void {
    const now = Date.now();
    const limit = this.command.pool.requestTimeout;
    let peak = 0;
    for (const entry of this.#entries.values()) {
      peak += entry.lastPeak;
      // A retiring worker may be waiting for its last requests; #retire bounds it.
      if (limit <= 0 || entry.lastBeat === 0 || entry.retiring || entry.killed !== undefined || now - entry.lastBeat <= limit) continue;
      const silent = ((now - entry.lastBeat) / 1000).toFixed(1);
      entry.killed = `was killed: its event loop was blocked (no heartbeat for ${silent} s, --request-timeout ${limit / 1000} s)`;
      log(`worker ${entry.worker.process.pid} has not answered its heartbeat for ${silent} s: its event loop is blocked; killing it`);
      const waiting = pendingHandoffs(this.#processes());
      entry.worker.process.kill('SIGKILL');
      void entry.exited
        .then(() => timeout(ORPHAN_AFTER_MS))
        .then(() => {
          const closed = closeOrphanedHandoffs(waiting, this.#processes());
          if (closed > 0) log(`closed ${closed} connection(s) handed to worker ${entry.worker.process.pid} that it never took`);
        });
    }
    this.#meter.notePeak(peak);
    if (this.command.statusPath !== undefined) this.#meter.sampleListenQueue();
  }

  /** 'ready', or why the new worker could not start. */
  async #whenReady(fresh: WorkerEntry): Promise<'ready' | string> {
    const outcome = await Promise.race([
      fresh.ready.then(
        () => 'ready' as const,
        (e: unknown) => e,
      ),
      timeout(READY_TIMEOUT_MS),
    ]);
    if (outcome === 'ready') return outcome;
    return outcome === 'timeout' ? 'it did not get ready in time' : outcome instanceof Error ? outcome.message : String(outcome);
  }

  /** --max-requests: a new worker starts and listens, then the old one finishes its requests and leaves. */
  async #recycle(entry: WorkerEntry, requests: number): Promise<void> {
    if (entry.retiring || entry.replacing || this.#shuttingDown) return;
    entry.replacing = true;
    const pid = entry.worker.process.pid;
    log(`worker ${pid} served ${requests} requests (--max-requests): replacing it`);
    const fresh = this.#fork(true);
    const outcome = await this.#whenReady(fresh);
    if (outcome !== 'ready') {
      log(`worker ${pid} keeps serving: its replacement failed: ${outcome}`);
      await this.#retire(fresh);
      return;
    }
    this.#meter.recycles++;
    log(`worker ${fresh.worker.process.pid} took over from worker ${pid} (--max-requests)`);
    await this.#retire(entry);
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
        const old = [...this.#entries.values()].filter((s) => !s.retiring);
        log(`SIGHUP: restarting ${old.length} worker(s) one at a time`);
        for (const entry of old) {
          if (this.#shuttingDown) return;
          // Already being replaced (--max-requests): its replacement runs the new code too.
          if (entry.replacing || entry.retiring) continue;
          entry.replacing = true;
          const fresh = this.#fork(true);
          const outcome = await this.#whenReady(fresh);
          if (outcome !== 'ready') {
            entry.replacing = false;
            log(`reload aborted, the running workers keep serving: a new worker failed: ${outcome}`);
            await this.#retire(fresh);
            return;
          }
          await this.#retire(entry);
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
    const entries = Array.from({ length: this.command.workers }, () => this.#fork());
    try {
      await Promise.all(entries.map((s) => s.ready));
    } catch (error) {
      await this.shutdown();
      throw error;
    }
    const ticks = setInterval(() => this.#tick(), pulsePeriod(this.command.pool));
    ticks.unref();
    this.#timers.add(ticks);
  }

  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.all([...this.#entries.values()].map((entry) => this.#retire(entry)));
  }

  killAll(): void {
    for (const entry of this.#entries.values()) entry.worker.process.kill('SIGKILL');
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
  checkSlowLog(command.pool.slowlog);
  const probe = command.statusPath === undefined ? undefined : new ListenQueueProbe(target);
  const supervisor = new Supervisor(command, encodeTarget(target), probe);

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
