/**
 * Every process the bench starts goes through here: each runs in its own process group, is
 * remembered, and is stopped (group-wide) by `stopAll()`, by `finally` blocks, and by the exit
 * and signal handlers installed on first use, so an interrupted run leaves nothing behind.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A started process group. */
export interface Started {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) when the leader exits. */
  readonly exited: Promise<number | string>;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the leader has exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Started>();
let handlersInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Last resort: synchronous, so it also runs on process.exit().
  process.on('exit', () => {
    for (const started of running) killGroup(started.pid, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      void stopAll().finally(() => process.exit(130));
    });
  }
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr go here (appended); default: discarded. */
  logFile?: string;
}

/** Starts `command` as the leader of a new process group. */
export function start(name: string, command: string, args: readonly string[], options: StartOptions = {}): Started {
  installHandlers();
  const out = options.logFile === undefined ? 'ignore' : fs.openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    detached: true,
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', out, out],
  });
  if (typeof out === 'number') fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const pid = child.pid;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', () => resolve('spawn-error'));
  });
  let alive = true;
  void exited.then(() => (alive = false));
  const started: Started = {
    name,
    pid,
    child,
    exited,
    async stop(graceMs = 3000) {
      running.delete(started);
      if (alive) {
        killGroup(pid, 'SIGTERM');
        const outcome = await Promise.race([exited.then(() => 'exited'), sleep(graceMs, 'timeout')]);
        if (outcome === 'timeout') killGroup(pid, 'SIGKILL');
      }
      // The leader may be gone while group members (php-fpm workers, nginx workers) linger.
      killGroup(pid, 'SIGKILL');
      await Promise.race([exited, sleep(1000)]);
    },
  };
  running.add(started);
  return started;
}

/** Stops every process group still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((started) => started.stop()));
}

/** Runs a command to completion; rejects with its output when it fails. */
export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: options.env ?? process.env, cwd: options.cwd, timeout: options.timeoutMs ?? 600_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(stdout + stderr);
      },
    );
  });
}

/** True when `command` is found on PATH. */
export async function hasCommand(command: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${command}`]).then(
    () => true,
    () => false,
  );
}

/** An address a server listens on: a Unix socket path or a loopback TCP port. */
export type Endpoint = { path: string } | { port: number; host?: string };

function tryConnect(endpoint: Endpoint): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = 'path' in endpoint ? net.connect(endpoint.path) : net.connect(endpoint.port, endpoint.host ?? '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until `endpoint` accepts connections, or fails after `timeoutMs`, or when `started` exits. */
export async function waitForEndpoint(endpoint: Endpoint, started: Started | undefined, timeoutMs = 15_000): Promise<void> {
  let exited = false;
  void started?.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await tryConnect(endpoint)) return;
    if (exited) throw new Error(`${started?.name} exited before listening`);
    await sleep(50);
  }
  throw new Error(`${started?.name ?? 'server'} did not listen on ${JSON.stringify(endpoint)} within ${timeoutMs} ms`);
}

/**
 * `count` distinct free loopback TCP ports. The listeners stay open until all are picked: closing
 * each one first lets the kernel hand the same port out again, and nginx then refuses the
 * duplicate `listen`.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => {
      const address = server.address();
      return typeof address === 'object' && address ? address.port : 0;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
