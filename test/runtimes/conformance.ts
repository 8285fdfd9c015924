/**
 * Runs the conformance subset on one runtime through test/runtimes/probe.mjs, with the runtime
 * on each side in turn: its server driven by Node's client, its client driving a Node server,
 * and the testing entry (createTestClient) inside it. All of it against the built dist/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, runtimeEnv, type Runtime } from './runtimes.js';

const PROBE = path.join(ROOT, 'test/runtimes/probe.mjs');
const DIST = path.join(ROOT, 'dist');

/** One check's outcome: 'pass', or 'fail: why'. */
type Outcome = string;

/** Columns of the table, in order. */
export const CHECKS = [
  'serve: GET',
  'serve: POST echo',
  'serve: streaming',
  'serve: abort',
  'serve: multiplexing',
  'serve: backpressure',
  'serve: connection end',
  'serve: TCP',
  'serve: graceful close',
  'client',
  'testing entry',
  'transport',
] as const;
export type Check = (typeof CHECKS)[number];

export interface Row {
  readonly runtime: Runtime;
  readonly version: string;
  readonly cells: Record<Check, Outcome>;
}

interface Probe {
  readonly child: ChildProcess;
  /** Parsed JSON lines printed so far. */
  readonly lines: Record<string, unknown>[];
  output(): string;
  /** Resolves with the first JSON line that has `key`; rejects on exit or after `ms`. */
  line(key: string, ms: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name) once it has exited, or 'timeout' after `ms`. */
  exit(ms: number): Promise<number | string>;
  kill(): void;
}

function startProbe(runtime: Runtime, args: readonly string[]): Probe {
  const child = spawn(runtime.bin, [...runtime.prefix, PROBE, DIST, ...args], {
    cwd: ROOT,
    env: { ...runtimeEnv(), ...runtime.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let text = '';
  let pending = '';
  const lines: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.startsWith('{')) {
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not ours: runtime chatter
        }
      }
    }
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stdin!.on('error', () => {});
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
      for (const listener of listeners) listener();
    });
    child.once('error', (error) => resolve(`spawn error: ${error.message}`));
  });
  return {
    child,
    lines,
    output: () => text,
    line(key, ms) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(() => reject(new Error(`no "${key}" within ${ms} ms: ${tail(text)}`))), ms);
        const check = () => {
          const found = lines.find((line) => key in line);
          if (found) done(() => resolve(found));
          else if (child.exitCode !== null || child.signalCode !== null) {
            done(() => reject(new Error(`exited (${child.exitCode ?? child.signalCode}) before "${key}": ${tail(text)}`)));
          }
        };
        const done = (then: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        listeners.add(check);
        check();
      });
    },
    async exit(ms) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

function tail(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  return trimmed.length > 400 ? `…${trimmed.slice(-400)}` : trimmed || '(no output)';
}

function failure(error: unknown): Outcome {
  return `fail: ${error instanceof Error ? error.message : String(error)}`;
}

/** Runs a one-shot probe mode and returns its per-check results, and the socket API it used. */
async function probeRun(runtime: Runtime, args: readonly string[]): Promise<{ outcomes: Record<string, Outcome>; transport: string }> {
  const probe = startProbe(runtime, args);
  try {
    const line = await probe.line('results', 60_000);
    const exit = await probe.exit(10_000);
    const out = line.results as Record<string, Outcome>;
    if (exit !== 0) out.exit = `fail: exited with ${exit} after its checks: ${tail(probe.output())}`;
    return { outcomes: out, transport: String(line.transport ?? '?') };
  } finally {
    probe.kill();
  }
}

async function results(runtime: Runtime, args: readonly string[]): Promise<Record<string, Outcome>> {
  return (await probeRun(runtime, args)).outcomes;
}

/** All checks passed → 'pass'; else the failing ones with their reasons. */
function summary(outcomes: Record<string, Outcome>): Outcome {
  const failed = Object.entries(outcomes).filter(([, outcome]) => outcome !== 'pass');
  if (Object.keys(outcomes).length === 0) return 'fail: no checks ran';
  return failed.length === 0 ? 'pass' : `fail: ${failed.map(([name, outcome]) => `${name} (${outcome.replace(/^fail: /, '')})`).join('; ')}`;
}

/**
 * 'pass' when a server whose FCGI_WEB_SERVER_ADDRS leaves us out closes our connection without
 * answering: the allow-list reads the peer's address from whichever socket API accepted it.
 */
function refusedByAllowList(address: { host: string; port: number }): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(address.port, address.host);
    let answered = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('fail: a connection from outside webServerAddrs stayed open 5 s');
    }, 5000);
    socket.on('data', (chunk: Buffer) => (answered += chunk.length));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answered === 0 ? 'pass' : `fail: ${answered} bytes answered to a refused address`);
    });
    // A whole request, so a server that let us in would answer it.
    socket.write(Buffer.from([1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 4, 0, 1, 0, 0, 0, 0, 1, 5, 0, 1, 0, 0, 0, 0]));
  });
}

/** A Node (system) server the runtime's client drives; shared by every row. */
export interface NodeServer {
  readonly socket: string;
  stop(): Promise<void>;
}

export async function startNodeServer(node: Runtime, dir: string): Promise<NodeServer> {
  const socket = path.join(dir, 'node-server.sock');
  const probe = startProbe(node, ['serve', socket]);
  await probe.line('ready', 30_000);
  return {
    socket,
    async stop() {
      probe.child.stdin!.end();
      if ((await probe.exit(10_000)) === 'timeout') probe.kill();
    },
  };
}

/**
 * Every check on `runtime`. `node` drives its server; `nodeServer` is what its client drives.
 * Never throws: a runtime that cannot even start yields failed cells with the reason.
 */
export async function runConformance(runtime: Runtime, version: string, node: Runtime, nodeServer: NodeServer): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fcgi-runtime-${runtime.id}-`));
  const cells = Object.fromEntries(CHECKS.map((check) => [check, 'fail: not run'])) as Record<Check, Outcome>;
  let serveTransport = '?';
  let clientTransport = '?';
  try {
    const server = startProbe(runtime, ['serve', path.join(dir, 'app.sock'), 'tcp']);
    try {
      const ready = await server.line('ready', 30_000);
      serveTransport = String(ready.transport);
      const addresses = ready.ready as { unix: { path: string }; tcp: { host: string; port: number }; refusing: { host: string; port: number } };
      const viaUnix = await results(node, ['drive', addresses.unix.path, 'raw']);
      cells['serve: GET'] = viaUnix.get ?? 'fail: not run';
      cells['serve: POST echo'] = summary({
        echo: viaUnix['post echo'] ?? 'fail: not run',
        'params after body': viaUnix['params after body'] ?? 'fail: not run',
      });
      cells['serve: streaming'] = viaUnix.streaming ?? 'fail: not run';
      cells['serve: abort'] = viaUnix.abort ?? 'fail: not run';
      cells['serve: multiplexing'] = viaUnix.multiplex ?? 'fail: not run';
      cells['serve: backpressure'] = summary({ out: viaUnix['backpressure out'] ?? 'fail: not run', in: viaUnix['backpressure in'] ?? 'fail: not run' });
      cells['serve: connection end'] = summary({
        'early answer': viaUnix['early answer'] ?? 'fail: not run',
        'half-open peer': viaUnix['half-open peer'] ?? 'fail: not run',
      });
      const viaTcp = await results(node, ['drive', `${addresses.tcp.host}:${addresses.tcp.port}`, 'raw']);
      viaTcp['allow-list'] = await refusedByAllowList(addresses.refusing);
      cells['serve: TCP'] = summary(viaTcp);
      // stdin closing is the stop signal: the probe closes its servers and must then exit by itself.
      server.child.stdin!.end();
      await server.line('closed', 10_000);
      const exit = await server.exit(5_000);
      cells['serve: graceful close'] =
        exit === 0 ? 'pass' : `fail: ${exit === 'timeout' ? 'still running 5 s after close() resolved (a handle left open)' : `exit ${exit}`}`;
    } catch (error) {
      for (const check of CHECKS) if (check.startsWith('serve:') && cells[check] === 'fail: not run') cells[check] = failure(error);
    } finally {
      server.kill();
    }
    const client = await probeRun(runtime, ['drive', nodeServer.socket]).catch((error: unknown) => ({ outcomes: { start: failure(error) }, transport: '?' }));
    clientTransport = client.transport;
    cells.client = summary(client.outcomes);
    // The server and the client must both be on the socket API this row is about.
    const used = { serve: serveTransport, client: clientTransport };
    const wrong = Object.entries(used).filter(([, transport]) => transport !== runtime.transport);
    cells.transport =
      wrong.length === 0 ? 'pass' : `fail: expected ${runtime.transport}, ${wrong.map(([side, transport]) => `${side} used ${transport}`).join(', ')}`;
    cells['testing entry'] = summary(await results(runtime, ['testing']).catch((error: unknown) => ({ start: failure(error) })));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { runtime, version, cells };
}

/** The markdown table: one row per runtime, ✅/❌ per check, then the reason for each ❌. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['runtime', 'version', ...CHECKS];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  const notes: string[] = [];
  for (const row of rows) {
    const cells = CHECKS.map((check) => {
      const outcome = row.cells[check];
      if (outcome === 'pass') return '✅';
      notes.push(`- ${row.runtime.label}, ${check}: ${outcome.replace(/^fail: /, '')}`);
      return '❌';
    });
    lines.push(`| ${row.runtime.label} | ${row.version} | ${cells.join(' | ')} |`);
  }
  return [...lines, ...(notes.length ? ['', 'Failures:', ...notes] : [])].join('\n');
}
