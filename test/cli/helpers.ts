/** Starts the CLI as a real process (through tsx, as in development) and cleans up after it. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'fastcgi-fetch/client';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(ROOT, 'src/cli.ts');
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves when the output matches; rejects on exit or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | NodeJS.Signals>;
  /** SIGTERM, then SIGKILL after 5 s; also kills anything left in its process group. */
  stop(): Promise<void>;
}

const live = new Set<CliProcess>();

/** The `node` argv prefix that runs the TypeScript CLI. */
export function cliArgv(args: readonly string[]): string[] {
  return ['--import', 'tsx', CLI, ...args];
}

export function startCli(args: readonly string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): CliProcess {
  return startProcess(process.execPath, cliArgv(args), options);
}

/** Like {@link startCli} for any command (e.g. spawn-fcgi wrapping the CLI). */
export function startProcess(command: string, args: readonly string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): CliProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, FASTCGI_LISTEN: undefined, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: stop() can reach workers even if the primary is gone.
    detached: true,
  });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? signal!);
      for (const listener of listeners) listener();
    });
  });
  const proc: CliProcess = {
    child,
    pid: child.pid!,
    output: () => text,
    exited,
    waitFor(pattern, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (match) return finish(() => resolve(match));
          if (child.exitCode !== null || child.signalCode !== null) {
            finish(() => reject(new Error(`exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${text}`)));
          }
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${ms} ms:\n${text}`))), ms);
        const finish = (then: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      live.delete(proc);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => killGroup(child.pid!), 5000);
        await exited;
        clearTimeout(timer);
      }
      killGroup(child.pid!);
    },
  };
  live.add(proc);
  return proc;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // nothing left
  }
}

/** Stops every CLI process a test file started (for afterAll / afterEach). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

/** GETs `path` from a FastCGI app over a fresh connection; returns status and body. */
export async function fcgiGet(address: { path: string } | { host: string; port: number }, urlPath = '/', init: RequestInit = {}) {
  const client = createClient(address, { keepConn: false, connectTimeout: 5000, timeout: 10_000 });
  try {
    const response = await client.fetch(`http://localhost${urlPath}`, init);
    return { status: response.status, headers: response.headers, body: await response.text() };
  } finally {
    await client.close();
  }
}

export function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `fcgi-cli-${name}-`));
}

/** True while `pid` exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Pids of the direct children of `pid` (from /proc). */
export function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * The CLI processes among `pid`'s children: its workers. Other children (tsx's esbuild service,
 * started when tsx has nothing cached yet) are not workers.
 */
export function workersOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => {
    try {
      return fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(CLI);
    } catch {
      return false;
    }
  });
}

export async function waitUntil(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
