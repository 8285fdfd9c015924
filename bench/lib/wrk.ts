/** Runs wrk and reads its summary. */
import { run } from './processes.js';

export interface WrkResult {
  requestsPerSecond: number;
  bytesPerSecond: number;
  /** Latency percentiles in milliseconds. */
  p50: number;
  p99: number;
  requests: number;
  /** Socket errors plus non-2xx/3xx responses. */
  errors: number;
}

export interface WrkOptions {
  url: string;
  seconds: number;
  connections: number;
  threads?: number;
}

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
const SIZES: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

function latency(output: string, percentile: string): number {
  const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
  return match ? Number(match[1]) * UNITS[match[2]!]! : Number.NaN;
}

/** Parses `wrk --latency` output (exported for tests). */
function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const transfer = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB|TB)/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (!rps || !total) throw new Error(`cannot read wrk output:\n${output}`);
  const errors = (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return {
    requestsPerSecond: Number(rps[1]),
    bytesPerSecond: transfer ? Number(transfer[1]) * SIZES[transfer[2]!]! : 0,
    p50: latency(output, '50'),
    p99: latency(output, '99'),
    requests: Number(total[1]),
    errors,
  };
}

export async function wrk(options: WrkOptions): Promise<WrkResult> {
  const args = ['--latency', `-t${options.threads ?? 1}`, `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '10s', options.url];
  const output = await run('wrk', args, { timeoutMs: (options.seconds + 30) * 1000 });
  return parseWrk(output);
}
