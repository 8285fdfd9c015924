import type { ServeCommand } from './args.js';
import { ListenQueueProbe } from './listen-queue.js';
import { loadApp } from './load-app.js';
import { log } from './log.js';
import { PoolMeter } from './pool-meter.js';
import { startPulse } from './pulse.js';
import { checkSlowLog } from './slowlog.js';
import { chooseTarget, countersFor, describeTarget, startServing } from './serving.js';
import { summarize } from './status.js';
import { statusLine, systemdNotifier } from './systemd-notify.js';

/** `serve` without --workers: the app runs in this very process. Resolves with the exit code. */
export async function runSingle(command: ServeCommand): Promise<number> {
  const notify = systemdNotifier();
  const target = chooseTarget(command);
  checkSlowLog(command.pool.slowlog);
  const { app } = await loadApp(command.module);
  const counters = countersFor(command);
  const meter = new PoolMeter(command.statusPath === undefined ? undefined : new ListenQueueProbe(target));
  const report = async (full: boolean) => {
    meter.notePeak(counters.maxActiveRequests);
    return summarize([counters.snapshot(full)], meter.numbers(1));
  };
  const server = await startServing(app, command, target, counters, report);
  const stopPulse = startPulse(counters, command.pool, () => {
    if (command.statusPath !== undefined) meter.sampleListenQueue();
  });
  log(`serving ${command.module} on ${describeTarget(target)}`);
  notify.ready(statusLine(await report(false)));
  notify.watch(async () => statusLine(await report(false)));
  if (command.pool.requestTimeout > 0) {
    log('--request-timeout without --workers aborts requests that wait; one that blocks the event loop can only be stopped by a primary (use --workers 1)');
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`${signal} again: exiting now`);
        resolve(1);
        return;
      }
      stopping = true;
      stopPulse();
      log(`${signal}: finishing in-flight requests (at most ${command.shutdownTimeout} ms)`);
      notify.stopping();
      void server.close({ timeout: command.shutdownTimeout }).then(async () => {
        await notify.flush();
        resolve(0);
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // Reloading code needs a fresh process: that is what the --workers primary is for.
    process.on('SIGHUP', () => log('SIGHUP ignored: reloading needs --workers (try --workers 1)'));
  });
}
