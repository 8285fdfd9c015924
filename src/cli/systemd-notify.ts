import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { log } from './log.js';
import type { StatusReport } from './status.js';

/** How often STATUS= is refreshed when it changed (php-fpm's systemd_interval default). */
const STATUS_EVERY_MS = 10_000;

/**
 * Tells the service manager how the service is doing (systemd's `Type=notify`, sd_notify(3)).
 * Every method is a no-op when $NOTIFY_SOCKET was not set.
 */
export interface Notifier {
  /** Started, or a reload is over: READY=1 with a STATUS= line. */
  ready(status: string): void;
  /** SIGHUP: RELOADING=1 with the CLOCK_MONOTONIC time, as `Type=notify-reload` requires. */
  reloading(): void;
  stopping(): void;
  /** Keeps STATUS= up to date: every 10 s, and only when the line changed. */
  watch(status: () => Promise<string>): void;
  /** Resolves once every message so far has been delivered (or given up on). */
  flush(): Promise<void>;
}

const silent: Notifier = { ready() {}, reloading() {}, stopping() {}, watch() {}, flush: () => Promise.resolve() };

function findSystemdNotify(path: string | undefined): string | undefined {
  for (const dir of [...(path ?? '').split(':').filter(Boolean), '/usr/bin', '/bin']) {
    const file = join(dir, 'systemd-notify');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** One line for `systemctl status`: "4 workers, 2 active requests, 1234 requests served". */
export function statusLine(report: StatusReport): string {
  const parts = [
    report.workers === 1 ? '1 worker' : `${report.workers} workers`,
    `${report.activeRequests} active request${report.activeRequests === 1 ? '' : 's'}`,
    `${report.totalRequests} request${report.totalRequests === 1 ? '' : 's'} served`,
  ];
  if (report.workerRestarts > 0) parts.push(`${report.workerRestarts} worker restart${report.workerRestarts === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/**
 * The notifier for this process, taking $NOTIFY_SOCKET out of `env` so that workers and the app's
 * own children do not speak for the service.
 *
 * Node has no Unix datagram sockets, so each message goes out through `systemd-notify` (shipped
 * with systemd), one at a time and in order. It sends from its own pid, which systemd accepts only
 * with `NotifyAccess=all` in the unit (as root it can send in our name). It waits until the manager
 * has read the message (BARRIER=1), so none is lost when it exits right away.
 */
export function systemdNotifier(env: Record<string, string | undefined> = process.env): Notifier {
  const socket = env.NOTIFY_SOCKET;
  delete env.NOTIFY_SOCKET;
  if (!socket) return silent;
  const command = findSystemdNotify(env.PATH);
  if (!command) {
    log('$NOTIFY_SOCKET is set but systemd-notify is not installed: the service manager will not hear from us');
    return silent;
  }
  let queue = Promise.resolve();
  let lastStatus: string | undefined;
  let complained = false;
  let refresh: ReturnType<typeof setInterval> | undefined;
  const deliver = (fields: string[]) =>
    new Promise<void>((resolve) => {
      const child = spawn(command, fields, { stdio: ['ignore', 'ignore', 'pipe'], env: { NOTIFY_SOCKET: socket } });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const done = (problem: string | undefined) => {
        clearTimeout(timer);
        if (problem && !complained) {
          complained = true;
          log(`systemd-notify ${fields[0]} failed: ${problem}`);
        }
        resolve();
      };
      child.once('error', (error) => done(error.message));
      child.once('close', (code, signal) => done(code === 0 ? undefined : stderr.trim() || `exit ${code ?? signal}`));
    });
  const send = (...fields: string[]) => {
    queue = queue.then(() => deliver(fields));
  };
  const status = (text: string) => `STATUS=${text.replace(/[\r\n]+/g, ' ')}`;
  return {
    ready(text) {
      lastStatus = text;
      send('READY=1', status(text));
    },
    reloading() {
      send('RELOADING=1', `MONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`, status('reloading'));
    },
    stopping() {
      clearInterval(refresh);
      send('STOPPING=1', status('stopping'));
    },
    watch(get) {
      refresh = setInterval(() => {
        void get().then((text) => {
          if (text === lastStatus) return;
          lastStatus = text;
          send(status(text));
        });
      }, STATUS_EVERY_MS).unref();
    },
    flush: () => queue,
  };
}
