/** What the bench needs to know about one contender. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start, waitForEndpoint, type Started } from '../lib/processes.js';

/** The bench/ folder. */
export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = path.resolve(BENCH_DIR, '..');

/** A contender, running. */
export interface RunningTarget {
  /** The Unix socket nginx talks to. */
  readonly socket: string;
  /** The process whose tree's CPU and memory are measured. */
  readonly process: Started;
  /** Stops the process group (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

interface StartOptions {
  /** Flags for `node` (Node targets). */
  nodeFlags?: readonly string[];
  /** Bun and Deno targets: record a CPU profile into this file (see profile.ts for when it is written). */
  cpuProfile?: string;
}

export interface Target {
  /** Short name used in tables and the BENCH_TARGETS filter. */
  readonly name: string;
  /** How nginx reaches it: `fastcgi_pass` or `proxy_pass`. */
  readonly protocol: 'fastcgi' | 'http';
  /** Builds what needs building, once per bench run, in `work` (a temp dir). */
  prepare?(work: string): Promise<void>;
  /** Starts it, listening on a Unix socket under `dir`; resolves when it accepts connections. */
  start(dir: string, options?: StartOptions): Promise<RunningTarget>;
}

/** Starts `command` and waits for the Unix socket `socket`. */
export async function startOnSocket(
  name: string,
  socket: string,
  command: string,
  args: readonly string[],
  logFile: string,
  env?: NodeJS.ProcessEnv,
): Promise<RunningTarget> {
  const process = start(name, command, args, { logFile, cwd: REPO_DIR, ...(env ? { env } : {}) });
  try {
    await waitForEndpoint({ path: socket }, process);
  } catch (error) {
    await process.stop();
    throw error;
  }
  return { socket, process, stop: (graceMs) => process.stop(graceMs) };
}

/** A Node target: `node [flags] bench/.apps/<file>.js <socket>` (see compile-apps.ts). */
export function nodeTarget(name: string, protocol: Target['protocol'], file: string, env: NodeJS.ProcessEnv = {}): Target {
  return {
    name,
    protocol,
    start(dir, options) {
      const slug = name.replace(/[^a-z0-9-]+/gi, '-').replace(/^-|-$/g, '');
      const socket = path.join(dir, `${slug}.sock`);
      const args = [...(options?.nodeFlags ?? []), path.join(BENCH_DIR, '.apps', file.replace(/\.ts$/, '.js')), socket];
      return startOnSocket(name, socket, process.execPath, args, path.join(dir, `${slug}.log`), {
        ...process.env,
        NODE_ENV: 'production',
        ...env,
      });
    },
  };
}
