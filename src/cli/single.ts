import type { ServeCommand } from './args.js';
import { loadApp } from './load-app.js';
import { log } from './log.js';
import { chooseTarget, describeTarget, startServing } from './serving.js';
import { Counters, summarize } from './status.js';
import { statusLine, systemdNotifier } from './systemd-notify.js';

/** `serve` without --workers: the app runs in this very process. Resolves with the exit code. */
export async function runSingle(command: ServeCommand): Promise<number> {
  const notify = systemdNotifier();
  const target = chooseTarget(command);
  const { app } = await loadApp(command.module);
  const counters = new Counters();
  const report = async () => summarize([counters.snapshot()], { startedAt: counters.startedAt, workers: 1, workerRestarts: 0 });
  const server = await startServing(app, command, target, counters, report);
  log(`serving ${command.module} on ${describeTarget(target)}`);
  notify.ready(statusLine(await report()));
  notify.watch(async () => statusLine(await report()));

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`${signal} again: exiting now`);
        resolve(1);
        return;
      }
      stopping = true;
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
