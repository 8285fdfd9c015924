/** A bounded HTTP load during which tests restart or kill things: wrk when installed, else a fetch loop. */
import { spawn } from 'node:child_process';
import { installed } from '../servers/web-server.js';

export interface LoadResult {
  readonly tool: 'wrk' | 'fetch';
  readonly requests: number;
  /** Responses outside 2xx (wrk: outside 2xx/3xx; the apps here never redirect). */
  readonly failures: number;
  /** Connect, read, write errors and timeouts. */
  readonly errors: number;
  readonly detail: string;
}

function wrk(url: string, seconds: number, connections: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 20) * 1000);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(killer);
      const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
      const failures = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const errors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
      if (Number.isNaN(requests)) reject(new Error(`cannot read wrk's output:\n${out}`));
      else resolve({ tool: 'wrk', requests, failures, errors, detail: out });
    });
  });
}

async function fetchLoop(url: string, seconds: number, connections: number): Promise<LoadResult> {
  const deadline = Date.now() + seconds * 1000;
  let requests = 0;
  let failures = 0;
  let errors = 0;
  const statuses = new Map<string, number>();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < deadline) {
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
          await response.arrayBuffer();
          requests++;
          if (response.status < 200 || response.status > 299) {
            failures++;
            statuses.set(String(response.status), (statuses.get(String(response.status)) ?? 0) + 1);
          }
        } catch (error) {
          errors++;
          const name = error instanceof Error ? error.message : String(error);
          statuses.set(name, (statuses.get(name) ?? 0) + 1);
        }
      }
    }),
  );
  return { tool: 'fetch', requests, failures, errors, detail: JSON.stringify(Object.fromEntries(statuses)) };
}

/** Sends GET `url` from `connections` clients for `seconds`. */
export function load(url: string, seconds: number, connections = 8): Promise<LoadResult> {
  return installed('wrk') ? wrk(url, seconds, connections) : fetchLoop(url, seconds, connections);
}
