import { appendFileSync, closeSync, openSync, writeSync } from 'node:fs';
import { CliError } from './cli-error.js';
import type { Counters } from './status.js';

/** A request in flight as a slow-log entry names it. */
export interface SlowRequest {
  readonly method: string;
  readonly url: string;
  readonly runningMs: number;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

function header(pid: number, now: number): string {
  return `[${new Date(now).toISOString()}] pid ${pid}:`;
}

/** One line per slow request: time, pid, method, URL, how long so far. */
function formatSlowRequest(pid: number, now: number, request: SlowRequest): string {
  return `${header(pid, now)} ${request.method} ${request.url} running for ${seconds(request.runningMs)} s\n`;
}

/**
 * A blocked event loop: the requests in flight (all wait for it) and the JavaScript stack that
 * blocks it, or why there is none.
 */
export function formatStall(pid: number, now: number, blockedMs: number, requests: readonly SlowRequest[], stack: string): string {
  const lines = [`${header(pid, now)} event loop blocked for ${seconds(blockedMs)} s, ${requests.length} request(s) in flight`];
  for (const r of requests) lines.push(`  ${r.method} ${r.url} running for ${seconds(r.runningMs)} s`);
  lines.push(stack.replace(/\n+$/, ''));
  return `${lines.join('\n')}\n`;
}

/** Appends to the slow log (`file`, else stderr) in one write, so entries of several processes do not mix. */
export function writeSlowLog(file: string | undefined, text: string): void {
  try {
    if (file !== undefined) appendFileSync(file, text);
    else writeSync(2, text);
  } catch {
    // A full disk or a closed stderr must not take a request down; the entry is lost.
  }
}

/** Fails with a clear error, before any worker starts, when the slow log cannot be written. */
export function checkSlowLog(file: string | undefined): void {
  if (file === undefined) return;
  try {
    closeSync(openSync(file, 'a'));
  } catch (error) {
    throw new CliError(`--slowlog ${file}: ${error instanceof Error ? error.message : String(error)}`, 2);
  }
}

/** Logs, once each, the requests in flight for longer than `timeout` ms. Returns how many it logged. */
export function sweepSlowRequests(counters: Counters, timeout: number, file: string | undefined, now = Date.now()): number {
  let logged = 0;
  let text = '';
  for (const entry of counters.inFlight ?? []) {
    if (entry.slowLogged || now - entry.startedAt < timeout) continue;
    entry.slowLogged = true;
    logged++;
    text += formatSlowRequest(process.pid, now, { method: entry.method, url: entry.url, runningMs: now - entry.startedAt });
  }
  if (logged > 0) {
    counters.slowRequests += logged;
    writeSlowLog(file, text);
  }
  return logged;
}
