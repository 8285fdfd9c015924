/**
 * Shared process / port / temp-dir logic for the real-web-server test harness.
 *
 * Every starter in this folder (nginx.ts, apache.ts, lighttpd.ts, caddy.ts,
 * haproxy.ts) only writes its configuration and then calls `launch()` here,
 * which validates the config, runs the server in the foreground as a child
 * process, waits until it accepts TCP connections on 127.0.0.1 and hands back
 * a `WebServer` whose `stop()` leaves no process and no temp dir behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the FastCGI app listens. */
export type Upstream = { path: string } | { host: string; port: number };

/** A command the web server spawns itself (mod_fcgid, lighttpd bin-path, CGI). */
export interface SpawnedApp {
  /** argv; use absolute paths (e.g. process.execPath) – the server's PATH is not yours. */
  command: string[];
  env?: Record<string, string>;
}

export interface WebServer {
  readonly name: string;
  /** e.g. http://127.0.0.1:PORT (no trailing slash) */
  readonly url: string;
  readonly port: number;
  /** The temp dir holding config, logs, pid file; removed by stop(). */
  readonly dir: string;
  /** pid of the server's main process. */
  readonly pid: number;
  /** The full configuration file the server was started with. */
  readonly config: string;
  /** Error log file(s) plus everything the process printed on stdout/stderr. */
  errorLog(): string;
  stop(): Promise<void>;
  /**
   * After stop(): processes the server had started (spawned apps) that were still alive a few
   * seconds after the server's own process exited — orphans, which stop() then killed.
   */
  leftAtExit(): number[];
}

const ENV_MARKER = 'FASTCGI_FETCH_TEST_SERVER';
const SEARCH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of `binary` (searched in PATH and the sbin dirs), or undefined. */
export function which(binary: string): string | undefined {
  if (path.isAbsolute(binary)) return fs.existsSync(binary) ? binary : undefined;
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, binary);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

/**
 * For skip conditions. `binary` is a program name (looked up like a shell
 * would, plus the sbin dirs) or an absolute path of any file (e.g. an Apache
 * module .so).
 */
export function installed(binary: string): boolean {
  return which(binary) !== undefined;
}

/** A currently free TCP port on 127.0.0.1 (bound to port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/** A fresh temp dir, world-traversable (Apache workers run as www-data). */
export function makeTempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fcgi-${name}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export function isUnix(upstream: Upstream): upstream is { path: string } {
  return 'path' in upstream;
}

/** Refuse anything that is not loopback – these tests never leave the machine. */
export function assertLoopback(upstream: Upstream): void {
  if (isUnix(upstream)) return;
  if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(upstream.host)) {
    throw new Error(`upstream host must be a loopback address, got ${upstream.host}`);
  }
}

const CONFIG_DIR = fileURLToPath(new URL('../../examples/config/', import.meta.url));

/** Path of a snippet file under examples/config/. */
function snippetPath(file: string): string {
  return path.join(CONFIG_DIR, file);
}

/**
 * Reads the user-facing snippet `examples/config/<file>` and replaces each
 * `{{NAME}}` with `vars.NAME`. Throws on a placeholder without a value so the
 * snippet files and the harness cannot drift apart silently.
 */
export function renderSnippet(file: string, vars: Record<string, string>): string {
  const text = fs.readFileSync(snippetPath(file), 'utf8');
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    const value = vars[key];
    if (value === undefined) throw new Error(`${file}: no value for placeholder {{${key}}}`);
    return value;
  });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Writes an executable `#!/bin/sh` wrapper that exports `env` and execs
 * `command` – what mod_fcgid's FcgidWrapper, lighttpd's bin-path and CGI run.
 * The wrapper also exports the harness marker so stop() can find the app
 * process even when the web server spawned it outside its process group.
 */
export function writeWrapper(dir: string, file: string, app: SpawnedApp): string {
  if (app.command.length === 0) throw new Error('command must not be empty');
  const lines = ['#!/bin/sh', `export ${ENV_MARKER}=${shellQuote(dir)}`];
  for (const [k, v] of Object.entries(app.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`bad environment variable name: ${k}`);
    lines.push(`export ${k}=${shellQuote(v)}`);
  }
  lines.push(`exec ${app.command.map(shellQuote).join(' ')}`, '');
  const target = path.join(dir, file);
  fs.writeFileSync(target, lines.join('\n'), { mode: 0o755 });
  fs.chmodSync(target, 0o755);
  return target;
}

/**
 * pids (other than ours) that belong to a server: members of its process group
 * `pgid` (the server's pid – it is started detached) or carrying the harness
 * environment marker for `dir` (apps the server spawned outside its group;
 * note nginx overwrites its own environ for its process title). Zombies do not
 * count: they are already dead, merely unreaped.
 */
function markedProcesses(dir: string, pgid?: number): number[] {
  const needle = Buffer.from(`${ENV_MARKER}=${dir}\0`);
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ..." – comm may contain spaces and parens
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || fields[0] === 'X') continue;
      if (pgid !== undefined && Number(fields[2]) === pgid) {
        pids.push(pid);
        continue;
      }
      if (fs.readFileSync(`/proc/${entry}/environ`).includes(needle)) pids.push(pid);
    } catch {
      /* gone or not readable */
    }
  }
  return pids;
}

/** Processes started by `server` that are still alive (should be [] after stop()). */
export function leftoverProcesses(server: Pick<WebServer, 'dir' | 'pid'>): number[] {
  return markedProcesses(server.dir, server.pid);
}

function waitForPort(port: number, dead: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (dead()) {
        reject(new Error(`exited before listening on port ${port}`));
        return;
      }
      const sock = net.connect({ host: '127.0.0.1', port });
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`not listening on 127.0.0.1:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

interface Running {
  child: ChildProcess;
  dir: string;
}
const running = new Set<Running>();

/** Synchronous last-resort cleanup: used on process exit / fatal signals. */
function killAllSync(): void {
  for (const r of running) {
    if (r.child.pid !== undefined) {
      killQuietly(-r.child.pid, 'SIGKILL');
      killQuietly(r.child.pid, 'SIGKILL');
    }
    for (const pid of markedProcesses(r.dir, r.child.pid)) killQuietly(pid, 'SIGKILL');
    fs.rmSync(r.dir, { recursive: true, force: true });
  }
  running.clear();
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllSync();
      // If nobody else handles this signal, restore the default behaviour.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

export interface LaunchOptions {
  name: string;
  /** Temp dir from makeTempDir(); owned by the server from now on. */
  dir: string;
  port: number;
  /** Full path of the config file that was written. */
  configFile: string;
  /** argv of the foreground server process; argv[0] is resolved via which(). */
  command: string[];
  /** Optional config check run first (e.g. nginx -t); failure rejects with its output. */
  validate?: string[];
  /** Extra environment for the server process. */
  env?: Record<string, string>;
  /** Log files (absolute) that errorLog() should include. */
  logFiles?: string[];
  startTimeoutMs?: number;
}

/**
 * Validates, starts and waits for a web server. On any failure the process is
 * killed, the temp dir removed, and the error message carries the logs.
 */
export async function launch(o: LaunchOptions): Promise<WebServer> {
  installExitHook();
  const output: string[] = [];
  const config = fs.readFileSync(o.configFile, 'utf8');
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env, [ENV_MARKER]: o.dir };
  const resolve = (argv: string[]): [string, string[]] => {
    const [bin, ...args] = argv;
    if (bin === undefined) throw new Error('empty command');
    const abs = which(bin);
    if (abs === undefined) throw new Error(`${bin} is not installed`);
    return [abs, args];
  };
  let finalLogs: string | undefined;
  const readLogs = (): string => {
    if (finalLogs !== undefined) return finalLogs;
    const parts: string[] = [];
    for (const file of o.logFiles ?? []) {
      let text = '';
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        text = '(missing)';
      }
      parts.push(`--- ${path.basename(file)} ---\n${text}`);
    }
    parts.push(`--- ${o.name} stdout/stderr ---\n${output.join('')}`);
    return parts.join('\n');
  };
  const fail = (message: string): Error => new Error(`${o.name}: ${message}\n--- config ${o.configFile} ---\n${config}\n${readLogs()}`);

  if (o.validate) {
    const [bin, args] = resolve(o.validate);
    const check = spawnSync(bin, args, { cwd: o.dir, env, encoding: 'utf8', timeout: 20_000 });
    if (check.status !== 0) {
      const msg = `config check failed (${[bin, ...args].join(' ')}):\n${check.stdout ?? ''}${check.stderr ?? ''}${check.error ? String(check.error) : ''}`;
      const err = fail(msg);
      fs.rmSync(o.dir, { recursive: true, force: true });
      throw err;
    }
  }

  const [bin, args] = resolve(o.command);
  // detached: own process group, so stop() can also reach anything it forked.
  const child = spawn(bin, args, { cwd: o.dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const entry: Running = { child, dir: o.dir };
  running.add(entry);
  child.stdout?.setEncoding('utf8').on('data', (d: string) => output.push(d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => output.push(d));
  let spawnFailed = false;
  const exited = new Promise<void>((res) => {
    if (child.exitCode !== null || child.signalCode !== null) res();
    else child.once('exit', () => res());
    child.once('error', (e) => {
      // e.g. ENOENT: no 'exit' will follow
      spawnFailed = true;
      output.push(`spawn error: ${e.message}\n`);
      if (child.pid === undefined) res();
    });
  });

  let stopping: Promise<void> | undefined;
  let orphans: number[] = [];
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const pid = child.pid;
      if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
        killQuietly(pid, 'SIGTERM');
        const timer = new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), 5_000).unref());
        if ((await Promise.race([exited, timer])) === 'timeout') {
          output.push(`\n[harness] ${o.name} did not exit within 5s of SIGTERM; sending SIGKILL\n`);
          killQuietly(-pid, 'SIGKILL');
          killQuietly(pid, 'SIGKILL');
          await exited;
        }
      } else {
        await exited;
      }
      // Spawned apps get a moment to finish their own shutdown before they count as orphans.
      for (let i = 0; i < 80; i++) {
        orphans = markedProcesses(o.dir, pid);
        if (orphans.length === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      if (orphans.length > 0) output.push(`\n[harness] still alive after ${o.name} exited: ${orphans.join(', ')}\n`);
      if (pid !== undefined) killQuietly(-pid, 'SIGKILL'); // stragglers in its process group
      // Apps spawned by the server (fcgid, bin-path, CGI) may sit in other groups.
      for (let i = 0; i < 40; i++) {
        const left = markedProcesses(o.dir, pid);
        if (left.length === 0) break;
        for (const p of left) killQuietly(p, i < 10 ? 'SIGTERM' : 'SIGKILL');
        await new Promise((r) => setTimeout(r, 50));
      }
      running.delete(entry);
      finalLogs = readLogs(); // keep the logs readable after the dir is gone
      fs.rmSync(o.dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    const dead = (): boolean => spawnFailed || child.exitCode !== null || child.signalCode !== null;
    await waitForPort(o.port, dead, o.startTimeoutMs ?? 15_000);
  } catch (e) {
    await stop();
    throw fail(e instanceof Error ? e.message : String(e));
  }

  return {
    name: o.name,
    url: `http://127.0.0.1:${o.port}`,
    port: o.port,
    dir: o.dir,
    pid: child.pid ?? -1,
    config,
    errorLog: readLogs,
    stop,
    leftAtExit: () => orphans,
  };
}
