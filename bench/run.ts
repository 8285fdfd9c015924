/**
 * `npm run bench`: wrk → nginx (1 worker) → each contender, interleaved over several rounds,
 * then the memory measurements, the in-process figure and (BENCH_PROFILE=1) a CPU profile.
 * The targets and the BENCH_* settings are described in README.md.
 * `npm run bench -- --memory` runs only the memory measurements, on every runtime.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureInProcess } from './in-process.js';
import { measureMultiplexing, measureStreaming } from './memory.js';
import { profileLoad } from './profile.js';
import { startNginx } from './lib/nginx.js';
import { stopAll } from './lib/processes.js';
import { cpuSeconds, peakRss } from './lib/proc-stats.js';
import { ensureDependencies, versions } from './lib/setup.js';
import { MiB, fmt, median, ratio, spread } from './lib/stats.js';
import { wrk, type WrkResult } from './lib/wrk.js';
import { cLibfcgi } from './targets/c.js';
import { goFcgi } from './targets/go.js';
import { compareDist, fastcgiFetch, floor, honoNode, nodeFastcgi } from './targets/node.js';
import { phpTarget } from './targets/php.js';
import {
  RUNTIME_ROWS,
  bunServe,
  compareDistVariants,
  denoServe,
  fastcgiFetchBun,
  fastcgiFetchDeno,
  floorBun,
  floorDeno,
  nodeNetVariants,
} from './targets/runtimes.js';
import { BENCH_DIR, type RunningTarget, type Target } from './targets/target.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECONDS = env('BENCH_SECONDS', 10);
const ROUNDS = env('BENCH_ROUNDS', 3);
const CONNECTIONS = env('BENCH_CONNECTIONS', 32);
const BYTES_CONNECTIONS = env('BENCH_BYTES_CONNECTIONS', 8);
/** `npm run bench -- --memory`: only the memory measurements (streaming and multiplexing on every runtime). */
const memoryOnly = process.argv.includes('--memory');
const filter = (name: string) =>
  (process.env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

interface Scenario {
  name: string;
  path: string;
  keepAlive: boolean;
  connections: number;
  /** Report MiB/s rather than req/s. */
  throughput: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: '/hello, keep-conn', path: '/hello', keepAlive: true, connections: CONNECTIONS, throughput: false },
  { name: '/hello, no keep-conn', path: '/hello', keepAlive: false, connections: CONNECTIONS, throughput: false },
  { name: '/bytes (1 MiB), keep-conn', path: '/bytes?n=1048576', keepAlive: true, connections: BYTES_CONNECTIONS, throughput: true },
];

const BASELINE = honoNode.name;

/** What a target's ratios are against: its runtime's own HTTP server (@hono/node-server for Node and the non-JS peers). */
function baselineOf(name: string): string {
  if (name.includes('(Bun')) return bunServe.name;
  if (name.includes('(Deno')) return denoServe.name;
  return BASELINE;
}

interface Samples {
  rate: number[];
  p50: number[];
  p99: number[];
  cores: number[];
  perCore: number[];
  errors: number;
  peakRss: number;
  failure?: string;
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Checks a target answers the bench routes correctly through nginx before measuring it. */
async function check(port: number): Promise<void> {
  const hello = await fetch(`http://127.0.0.1:${port}/hello`);
  const text = await hello.text();
  if (hello.status !== 200 || text !== 'Hello, world!') throw new Error(`/hello answered ${hello.status} ${JSON.stringify(text.slice(0, 80))}`);
  const bytes = await fetch(`http://127.0.0.1:${port}/bytes?n=1048576`);
  const length = (await bytes.arrayBuffer()).byteLength;
  if (bytes.status !== 200 || length !== MiB) throw new Error(`/bytes answered ${bytes.status} with ${length} bytes`);
}

async function runScenario(work: string, scenario: Scenario, targets: readonly Target[]): Promise<Map<string, Samples>> {
  const dir = fs.mkdtempSync(path.join(work, 'scenario-'));
  const running = new Map<string, RunningTarget>();
  const samples = new Map<string, Samples>();
  try {
    // Fresh processes per scenario, so peak RSS belongs to this load alone.
    for (const target of targets) {
      const entry: Samples = { rate: [], p50: [], p99: [], cores: [], perCore: [], errors: 0, peakRss: 0 };
      samples.set(target.name, entry);
      try {
        running.set(target.name, await target.start(dir));
      } catch (error) {
        entry.failure = `did not start: ${(error as Error).message.split('\n')[0]}`;
      }
    }
    const upstreams = [...running].map(([key, target]) => ({
      key,
      socket: target.socket,
      protocol: targets.find((t) => t.name === key)!.protocol,
    }));
    const nginx = await startNginx(path.join(dir, 'nginx'), upstreams);
    try {
      for (const [name] of running) {
        try {
          await check(nginx.port(name, scenario.keepAlive));
          // Warm-up: JIT, pools, nginx's upstream cache.
          await wrk({
            url: `http://127.0.0.1:${nginx.port(name, scenario.keepAlive)}${scenario.path}`,
            seconds: Math.min(2, SECONDS),
            connections: scenario.connections,
          });
        } catch (error) {
          samples.get(name)!.failure = (error as Error).message.split('\n')[0];
        }
      }
      const live = [...running.keys()].filter((name) => samples.get(name)!.failure === undefined);
      for (let round = 0; round < ROUNDS; round++) {
        // Rotate the order each round so no contender always runs first or last.
        const order = live.map((_, i) => live[(i + round) % live.length]!);
        for (const name of order) {
          const target = running.get(name)!;
          const cpuBefore = cpuSeconds(target.process.pid);
          let result: WrkResult;
          try {
            result = await wrk({
              url: `http://127.0.0.1:${nginx.port(name, scenario.keepAlive)}${scenario.path}`,
              seconds: SECONDS,
              connections: scenario.connections,
            });
          } catch (error) {
            samples.get(name)!.failure = (error as Error).message.split('\n')[0];
            continue;
          }
          const cpu = cpuSeconds(target.process.pid) - cpuBefore;
          const entry = samples.get(name)!;
          entry.rate.push(scenario.throughput ? result.bytesPerSecond / MiB : result.requestsPerSecond);
          entry.p50.push(result.p50);
          entry.p99.push(result.p99);
          entry.cores.push(cpu / SECONDS);
          entry.perCore.push(cpu > 0 ? (scenario.throughput ? (result.bytesPerSecond * SECONDS) / MiB : result.requests) / cpu : Number.NaN);
          entry.errors += result.errors;
          log(
            `  ${scenario.name} round ${round + 1}: ${name}: ${fmt(entry.rate.at(-1)!, scenario.throughput ? 1 : 0)} ${scenario.throughput ? 'MiB/s' : 'req/s'}, app ${fmt(cpu / SECONDS, 2)} cores`,
          );
        }
      }
      for (const [name, target] of running) samples.get(name)!.peakRss = peakRss(target.process.pid);
    } finally {
      await nginx.stop();
    }
  } finally {
    await Promise.all([...running.values()].map((target) => target.stop()));
  }
  return samples;
}

function table(scenario: Scenario, samples: Map<string, Samples>): string {
  const unit = scenario.throughput ? 'MiB/s' : 'req/s';
  const digits = scenario.throughput ? 1 : 0;
  const baseline = (name: string, field: 'rate' | 'perCore') => {
    const base = samples.get(baselineOf(name));
    return base && base.failure === undefined ? median(base[field]) : Number.NaN;
  };
  const lines = [
    `### ${scenario.name}`,
    '',
    `| target | ${unit} median (min–max) | × own server | p50 ms | p99 ms | app CPU (cores) | ${unit} per app core | × own server | peak RSS MiB | errors |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [name, entry] of samples) {
    if (entry.failure !== undefined || entry.rate.length === 0) {
      lines.push(`| ${name} | failed: ${entry.failure ?? 'no samples'} | | | | | | | | |`);
      continue;
    }
    const [low, high] = spread(entry.rate);
    const rate = median(entry.rate);
    const perCore = median(entry.perCore);
    lines.push(
      `| ${name} | ${fmt(rate, digits)} (${fmt(low, digits)}–${fmt(high, digits)}) | ${ratio(rate, baseline(name, 'rate'))} | ${fmt(median(entry.p50), 2)} | ${fmt(median(entry.p99), 2)} | ${fmt(median(entry.cores), 2)} | ${fmt(perCore, digits)} | ${ratio(perCore, baseline(name, 'perCore'))} | ${fmt(entry.peakRss / MiB, 1)} | ${entry.errors} |`,
    );
  }
  return lines.join('\n');
}

/** The issue's targets, as ratios measured in this run. */
function goals(results: Map<Scenario, Map<string, Samples>>): string {
  const get = (scenario: number, name: string, field: 'rate' | 'perCore') => {
    const entry = results.get(SCENARIOS[scenario]!)?.get(name);
    return entry && entry.failure === undefined ? median(entry[field]) : Number.NaN;
  };
  const peak = (name: string) => results.get(SCENARIOS[0]!)?.get(name)?.peakRss ?? Number.NaN;
  const ff = fastcgiFetch.name;
  const rows: Array<[string, number, number]> = [
    ['/hello keep-conn req/s vs @hono/node-server', get(0, ff, 'rate') / get(0, BASELINE, 'rate'), 1.2],
    ['/hello keep-conn req/s vs floor', get(0, ff, 'rate') / get(0, floor.name, 'rate'), 0.9],
    ['/hello keep-conn req/s vs Go', get(0, ff, 'rate') / get(0, goFcgi.name, 'rate'), 2],
    ['/hello keep-conn req/s vs node-fastcgi', get(0, ff, 'rate') / get(0, nodeFastcgi.name, 'rate'), 4],
    ['/hello keep-conn req/s per core vs @hono/node-server', get(0, ff, 'perCore') / get(0, BASELINE, 'perCore'), 1.5],
    ['/hello keep-conn req/s per core vs C libfcgi', get(0, ff, 'perCore') / get(0, cLibfcgi.name, 'perCore'), 1],
    ['/hello no keep-conn req/s vs C libfcgi', get(1, ff, 'rate') / get(1, cLibfcgi.name, 'rate'), 0.95],
    ['/bytes MiB/s vs @hono/node-server', get(2, ff, 'rate') / get(2, BASELINE, 'rate'), 0.9],
    [
      '/bytes MiB/s vs best FastCGI peer',
      get(2, ff, 'rate') /
        Math.max(
          ...[nodeFastcgi, goFcgi, cLibfcgi]
            .map((t) => get(2, t.name, 'rate'))
            .concat(get(2, 'php-fpm', 'rate'))
            .filter(Number.isFinite),
        ),
      1,
    ],
    ['peak RSS under /hello: @hono/node-server / fastcgi-fetch', peak(BASELINE) / peak(ff), 2],
  ];
  const lines = ['| goal | measured | target | met |', '|---|---:|---:|:---:|'];
  for (const [goal, value, target] of rows) {
    lines.push(
      `| ${goal} | ${Number.isFinite(value) ? `${value.toFixed(2)}×` : '–'} | ≥ ${target}× | ${Number.isFinite(value) ? (value >= target ? 'yes' : 'no') : '–'} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Issue 13: fastcgi-fetch on each runtime against that runtime's own HTTP server behind nginx
 * (proxy_pass, upstream keep-alive), and against the floor on the same runtime's sockets.
 */
function runtimeGoals(results: Map<Scenario, Map<string, Samples>>): string {
  const get = (scenario: number, name: string, field: 'rate' | 'perCore') => {
    const entry = results.get(SCENARIOS[scenario]!)?.get(name);
    return entry && entry.failure === undefined && entry.rate.length > 0 ? median(entry[field]) : Number.NaN;
  };
  const peak = (name: string) => {
    const entry = results.get(SCENARIOS[0]!)?.get(name);
    return entry && entry.failure === undefined && entry.peakRss > 0 ? entry.peakRss : Number.NaN;
  };
  type Row = [goal: string, value: (row: (typeof RUNTIME_ROWS)[number]) => number, target: string, met: (value: number) => boolean];
  const atLeastOne = (value: number) => value >= 1;
  const rows: Row[] = [
    ['/hello keep-conn req/s per app core ÷ own server', (r) => get(0, r.fastcgiFetch, 'perCore') / get(0, r.own, 'perCore'), '≥ 1.0×', atLeastOne],
    ['/bytes MiB/s ÷ own server', (r) => get(2, r.fastcgiFetch, 'rate') / get(2, r.own, 'rate'), '≥ 1.0×', atLeastOne],
    ['peak RSS under /hello ÷ own server', (r) => peak(r.fastcgiFetch) / peak(r.own), '≤ 1.0×', (value) => value <= 1],
    ['/hello keep-conn req/s ÷ own server', (r) => get(0, r.fastcgiFetch, 'rate') / get(0, r.own, 'rate'), 'reported', () => true],
    ['/hello no keep-conn req/s ÷ own server', (r) => get(1, r.fastcgiFetch, 'rate') / get(1, r.own, 'rate'), 'reported', () => true],
    [
      '/hello keep-conn req/s per app core ÷ floor on the same sockets',
      (r) => get(0, r.fastcgiFetch, 'perCore') / get(0, r.floor, 'perCore'),
      'reported',
      () => true,
    ],
    [
      'own server req/s per app core ÷ floor (what the runtime costs a JS FastCGI app)',
      (r) => get(0, r.own, 'perCore') / get(0, r.floor, 'perCore'),
      'reported',
      () => true,
    ],
  ];
  const lines = [`| goal | ${RUNTIME_ROWS.map((r) => r.runtime).join(' | ')} | target |`, `|---|${RUNTIME_ROWS.map(() => '---:').join('|')}|---:|`];
  for (const [goal, value, target, met] of rows) {
    const cells = RUNTIME_ROWS.map((row) => {
      const v = value(row);
      if (!Number.isFinite(v)) return '–';
      return `${v.toFixed(2)}×${target === 'reported' ? '' : met(v) ? ' (met)' : ' (**not met**)'}`;
    });
    lines.push(`| ${goal} | ${cells.join(' | ')} | ${target} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  await ensureDependencies(log);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fastcgi-fetch-bench-'));
  try {
    const all: Target[] = [
      fastcgiFetch,
      honoNode,
      floor,
      nodeFastcgi,
      goFcgi,
      cLibfcgi,
      phpTarget(Math.max(CONNECTIONS, BYTES_CONNECTIONS)),
      fastcgiFetchBun,
      bunServe,
      floorBun,
      fastcgiFetchDeno,
      denoServe,
      floorDeno,
      ...nodeNetVariants,
      ...compareDistVariants,
    ];
    if (compareDist) all.splice(1, 0, compareDist);
    const only = filter('BENCH_TARGETS');
    // `=name` matches that name only: `fastcgi-fetch` alone would match every runtime's.
    const targets = only.length ? all.filter((t) => only.some((o) => (o.startsWith('=') ? t.name === o.slice(1) : t.name.includes(o)))) : all;
    if (!memoryOnly) for (const target of targets) await target.prepare?.(work);
    const onlyScenarios = filter('BENCH_SCENARIOS');
    const scenarios = memoryOnly ? [] : onlyScenarios.length ? SCENARIOS.filter((s) => onlyScenarios.some((o) => s.name.includes(o))) : SCENARIOS;
    if (!memoryOnly)
      log(
        `bench: ${targets.length} targets, ${scenarios.length} scenarios, ${ROUNDS} rounds of ${SECONDS} s, wrk -c${CONNECTIONS} (bytes: -c${BYTES_CONNECTIONS}) -t1`,
      );
    const results = new Map<Scenario, Map<string, Samples>>();
    for (const scenario of scenarios) results.set(scenario, await runScenario(work, scenario, targets));

    const sections: string[] = [];
    for (const [scenario, samples] of results) sections.push(table(scenario, samples));
    if (!memoryOnly) {
      sections.push(`### Goals (issue 6)\n\n${goals(results)}`);
      sections.push(`### Per runtime (issue 13)\n\n${runtimeGoals(results)}`);
    }

    if (process.env.BENCH_SKIP_MEMORY !== '1') {
      const memory: string[] = [];
      // On every runtime: backpressure must hold over each one's sockets.
      const byRuntime = { node: fastcgiFetch, bun: fastcgiFetchBun, deno: fastcgiFetchDeno };
      // The runtime's own server under the same slow download and upload: what the runtime's
      // streams and garbage collector cost any server on it (BENCH_MEMORY_OWN=0 skips it).
      const ownServer = { node: honoNode, bun: bunServe, deno: denoServe };
      const chosen = filter('BENCH_MEMORY_RUNTIMES');
      for (const [id, contender] of Object.entries(byRuntime).filter(([id]) => chosen.length === 0 || chosen.includes(id))) {
        log(`memory on ${id}`);
        await contender.prepare?.(work);
        memory.push(await measureStreaming(work, env('BENCH_STREAM_MIB', 1024), contender));
        memory.push(await measureMultiplexing(work, env('BENCH_MULTIPLEX', 10_000), contender));
        if (process.env.BENCH_MEMORY_OWN !== '0') {
          const own = ownServer[id as keyof typeof ownServer];
          await own.prepare?.(work);
          memory.push(await measureStreaming(work, env('BENCH_STREAM_MIB', 1024), own));
        }
      }
      sections.push(`### Memory (fastcgi-fetch and the runtime's own server, on each runtime)\n\n${memory.join('\n')}`);
    }
    if (!memoryOnly) sections.push(`### In process (no sockets, one core)\n\n${await measureInProcess(Math.max(2, Math.min(SECONDS, 5)))}`);
    if (process.env.BENCH_PROFILE === '1') {
      for (const [runtime, label] of [
        ['node', 'Node'],
        ['bun', 'Bun'],
        ['deno', 'Deno'],
      ] as const) {
        sections.push(`### Profile of /hello (${label})\n\n${await profileLoad(work, SECONDS, runtime)}`);
      }
    }

    const report = sections.join('\n\n');
    log(`\n${report}\n`);
    // A memory-only run is a check, not a full run: it leaves RESULTS.md alone.
    if (process.env.BENCH_NO_RESULTS !== '1' && !memoryOnly) {
      const info = await versions();
      const header = [
        '# Benchmark results',
        '',
        `Date: ${new Date().toISOString()}. Command: \`${['BENCH_SECONDS', 'BENCH_ROUNDS', 'BENCH_CONNECTIONS'].map((n) => `${n}=${env(n, n === 'BENCH_SECONDS' ? SECONDS : n === 'BENCH_ROUNDS' ? ROUNDS : CONNECTIONS)}`).join(' ')} npm run bench\`.`,
        `Method: wrk (1 thread) → nginx (1 worker, loopback TCP) → the app on a Unix socket; ${ROUNDS} interleaved rounds of ${SECONDS} s per target; medians with min–max; app CPU from /proc (utime+stime of the app's process tree); peak RSS is VmHWM summed over the tree, after that scenario's load.`,
        '',
        ...Object.entries(info).map(([name, version]) => `- ${name}: ${version}`),
      ].join('\n');
      fs.writeFileSync(path.join(BENCH_DIR, 'RESULTS.md'), `${header}\n\n${report}\n`);
      log('wrote bench/RESULTS.md');
    }
  } finally {
    await stopAll();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
