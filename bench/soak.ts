/**
 * Soak: SOAK_REQUESTS (default 1,000,000) mixed requests through nginx (keep-conn, upstream
 * keepalive) to fastcgi-fetch on a Unix socket, while the app's RSS and open file descriptors
 * are sampled. Fails (exit 1) on any unexpected error or on > 10% growth after warm-up.
 * Writes bench/SOAK.md. Knobs: SOAK_REQUESTS, SOAK_CONNECTIONS (32), SOAK_SAMPLE_MS (2000).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNginx } from './lib/nginx.js';
import { hasCommand, run, start, stopAll } from './lib/processes.js';
import { openFds, rss } from './lib/proc-stats.js';
import { MiB, fmt } from './lib/stats.js';
import { abortedDownloads } from './soak/aborts.js';
import { INTENTIONAL_MESSAGE } from './soak/intentional.js';
import { writePayload } from './soak/payload.js';
import { KINDS, classifyNginxLog, growthAfterWarmUp, parseWrkSummary, wrkProgress, type Sample } from './soak/report.js';
import { BENCH_DIR, REPO_DIR, startOnSocket } from './targets/target.js';

const TOTAL = Number(process.env.SOAK_REQUESTS ?? 1_000_000);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 32);
const SAMPLE_MS = Number(process.env.SOAK_SAMPLE_MS ?? 2000);
/** Shares of the mix, in percent; aborted downloads run beside wrk, the rest through it. */
const MIX = { hello: 89, download: 4, upload: 2, throw: 2, reject: 2, aborted: 1 } as const;
const WARM_UP = 0.1;
const GROWTH_LIMIT = 0.1;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function ensureTools(): Promise<void> {
  const missing: string[] = [];
  if (!(await hasCommand('nginx'))) missing.push('nginx');
  if (!(await hasCommand('wrk'))) missing.push('wrk');
  if (missing.length === 0) return;
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['install', '-y', ...missing], { env }).catch(async () => {
    await run('apt-get', ['update'], { env });
    await run('apt-get', ['install', '-y', ...missing], { env });
  });
}

async function versions(): Promise<string[]> {
  const first = (text: string) =>
    text
      .split('\n')
      .find((line) => line.trim())
      ?.trim() ?? '?';
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8')) as { version: string };
  const commit = await run('git', ['-C', REPO_DIR, 'rev-parse', '--short', 'HEAD']).then(
    (s) => s.trim(),
    () => '?',
  );
  const dirty = await run('git', ['-C', REPO_DIR, 'status', '--porcelain', 'src']).then(
    (s) => (s.trim() ? ' (src/ with uncommitted changes)' : ''),
    () => '',
  );
  return [
    `fastcgi-fetch ${pkg.version}, commit ${commit}${dirty}`,
    `node ${process.version}`,
    first(await run('nginx', ['-v'])),
    `wrk ${await run('sh', ['-c', "dpkg-query -W -f '${Version}' wrk"]).catch(() => '?')}`,
    `${os.cpus()[0]?.model.trim() ?? '?'} × ${os.cpus().length}, Linux ${os.release()}`,
  ];
}

async function main(): Promise<void> {
  await ensureTools();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-'));
  const payloadFile = path.join(work, 'payload.bin');
  writePayload(payloadFile);
  const socket = path.join(work, 'app.sock');
  const appLog = path.join(work, 'app.log');
  const app = await startOnSocket('soak app', socket, process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, 'soak', 'app.ts'), socket], appLog, {
    ...process.env,
    NODE_ENV: 'production',
  });
  const pid = app.process.pid;
  const idleFds = openFds(pid);
  const nginxDir = path.join(work, 'nginx');
  const nginx = await startNginx(nginxDir, [
    { key: 'soak', protocol: 'fastcgi', socket },
    // Unbuffered, so a client that hangs up reaches the app while it is still streaming.
    { key: 'aborts', protocol: 'fastcgi', socket, streaming: true },
  ]);
  const port = nginx.port('soak', true);
  const abortTotal = Math.round((TOTAL * MIX.aborted) / 100);
  const wrkTotal = TOTAL - abortTotal;
  const cycle = KINDS.map((kind) => `${kind}:${MIX[kind]}`).join(',');
  const wrkLog = path.join(work, 'wrk.log');
  log(
    `soak: ${fmt(TOTAL)} requests (${fmt(wrkTotal)} through wrk, ${CONNECTIONS} connections, mix ${cycle}; ${fmt(abortTotal)} aborted downloads); work dir ${work}`,
  );

  const samples: Sample[] = [];
  let wrkReceived = 0;
  let abortsDone = 0;
  const began = performance.now();
  const progress = () => (wrkReceived + abortsDone) / TOTAL;
  const sample = () => samples.push({ t: (performance.now() - began) / 1000, progress: progress(), rss: rss(pid), fds: openFds(pid) });

  const wrk = start(
    'wrk',
    'wrk',
    [
      '-t1',
      `-c${CONNECTIONS}`,
      '-d3600s',
      '--timeout',
      '30s',
      '-s',
      path.join(BENCH_DIR, 'soak', 'mix.lua'),
      `http://127.0.0.1:${port}`,
      '--',
      String(wrkTotal),
      payloadFile,
      cycle,
    ],
    { logFile: wrkLog },
  );
  let wrkDone = false;
  const aborts = abortedDownloads(
    nginx.port('aborts', true),
    abortTotal,
    2,
    () => (wrkDone ? abortTotal : Math.ceil((abortTotal * wrkReceived) / wrkTotal) + 2),
    (done) => (abortsDone = done),
  );
  let lastPrint = 0;
  for (;;) {
    await sleep(SAMPLE_MS);
    const state = wrkProgress(fs.readFileSync(wrkLog, 'utf8'));
    wrkReceived = state.received;
    sample();
    const last = samples.at(-1)!;
    if (last.t - lastPrint >= 10) {
      lastPrint = last.t;
      log(
        `  ${fmt(last.t)} s: ${fmt(last.progress * 100, 1)}% (${fmt(wrkReceived)} + ${fmt(abortsDone)} aborted), RSS ${fmt(last.rss / MiB, 1)} MiB, fds ${last.fds}`,
      );
    }
    if (state.doneThreads >= 1) break;
    const exit = await Promise.race([wrk.exited, sleep(0, 'running')]);
    if (exit !== 'running') throw new Error(`wrk exited early (${exit}):\n${fs.readFileSync(wrkLog, 'utf8').slice(-2000)}`);
  }
  wrkDone = true;
  // wrk's main thread sleeps for -d; SIGINT wakes it to join the stopped thread and call done().
  process.kill(wrk.pid, 'SIGINT');
  await Promise.race([wrk.exited, sleep(10_000)]);
  const abortStats = await aborts;
  const seconds = (performance.now() - began) / 1000;
  abortsDone = abortStats.aborted + abortStats.unexpected;
  sample();
  await wrk.stop();
  const summary = parseWrkSummary(fs.readFileSync(wrkLog, 'utf8'));

  // Let aborted requests settle, then ask the app itself: nothing may still be in flight.
  await sleep(1000);
  const stats = (await (await fetch(`http://127.0.0.1:${port}/__stats`)).json()) as {
    activeRequests: number;
    connections: number;
    totalRequests: number;
    cancelledDownloads: number;
    logged: { intentional: number; other: number; samples: string[] };
  };
  const loadedFds = openFds(pid);
  await nginx.stop();
  await sleep(1000);
  const afterFds = openFds(pid);
  const nginxLog = classifyNginxLog(fs.readFileSync(path.join(nginxDir, 'error.log'), 'utf8'), INTENTIONAL_MESSAGE);
  await app.stop();
  const appStderr = fs.readFileSync(appLog, 'utf8').trim();

  // The figures.
  const inFlightAtStop = KINDS.reduce((sum, kind) => sum + summary.sent[kind], 0) - summary.received;
  const errorsSent = summary.sent.throw + summary.sent.reject;
  const socketErrors = Object.values(summary.socketErrors).reduce((a, b) => a + b, 0) - (summary.socketErrors.status ?? 0);
  const missing500 = Math.max(0, summary.err500 - errorsSent);
  const unexpected =
    summary.unexpected +
    KINDS.reduce((sum, kind) => sum + summary.bad[kind], 0) +
    missing500 +
    socketErrors +
    abortStats.unexpected +
    stats.logged.other +
    nginxLog.other +
    (stats.activeRequests > 1 ? stats.activeRequests - 1 : 0) +
    (inFlightAtStop > CONNECTIONS ? inFlightAtStop - CONNECTIONS : 0);
  const rssGrowth = growthAfterWarmUp(samples, (s) => s.rss, WARM_UP, WARM_UP);
  const fdGrowth = growthAfterWarmUp(samples, (s) => s.fds, WARM_UP, WARM_UP);
  const answered = summary.received + abortStats.aborted + abortStats.unexpected;

  const rows = [
    ['hello', summary.sent.hello, summary.ok.hello, summary.bad.hello],
    ['1 MiB download (byte-exact)', summary.sent.download, summary.ok.download, summary.bad.download],
    ['1 MiB upload (byte-exact)', summary.sent.upload, summary.ok.upload, summary.bad.upload],
    ['handler throws (500 expected)', summary.sent.throw, '', ''],
    ['handler rejects (500 expected)', summary.sent.reject, '', ''],
    ['download aborted by the client', abortTotal, abortStats.aborted, abortStats.unexpected],
  ];
  const table = [
    '| kind | sent | as expected | wrong |',
    '|---|---:|---:|---:|',
    ...rows.map(([kind, sent, ok, bad]) => `| ${kind} | ${fmt(Number(sent))} | ${ok === '' ? '' : fmt(Number(ok))} | ${bad === '' ? '' : fmt(Number(bad))} |`),
    `| 500s received for the two failing kinds | | ${fmt(summary.err500)} | ${fmt(missing500)} |`,
  ].join('\n');
  const growthRow = (name: string, g: ReturnType<typeof growthAfterWarmUp>, scale: number, unit: string, digits: number) =>
    `| ${name} | ${fmt(g.base / scale, digits)} ${unit} | ${fmt(g.final / scale, digits)} ${unit} | ${fmt(g.max / scale, digits)} ${unit} | ${fmt(g.growth * 100, 1)}% | ${g.growth < GROWTH_LIMIT ? 'yes' : 'NO'} |`;
  const figures = [
    '| figure (app process) | after warm-up (10–20%) | end (90–100%) | max after warm-up | growth | < 10% |',
    '|---|---:|---:|---:|---:|:---:|',
    growthRow('RSS', rssGrowth, MiB, 'MiB', 1),
    growthRow('open fds', fdGrowth, 1, '', 0),
  ].join('\n');
  const checks = [
    `- requests answered: ${fmt(answered)} in ${fmt(seconds, 0)} s (${fmt(answered / seconds)} req/s); ${fmt(inFlightAtStop)} were in flight when wrk stopped (≤ ${CONNECTIONS} connections, not counted)`,
    `- unexpected errors: **${fmt(unexpected)}** (wrong status/body ${fmt(summary.unexpected + KINDS.reduce((s, k) => s + summary.bad[k], 0))}, extra 500s ${fmt(missing500)}, wrk socket errors ${fmt(socketErrors)} ${JSON.stringify(summary.socketErrors)}, failed aborts ${fmt(abortStats.unexpected)}, app log lines not from the intentional failures ${fmt(stats.logged.other)}, nginx [error] lines not from them ${fmt(nginxLog.other)})`,
    `- intentional failures logged by the app: ${fmt(stats.logged.intentional)}; nginx error-log lines for them (FCGI_STDERR): ${fmt(nginxLog.expected)}; nginx startup lines about the environment (setrlimit): ${nginxLog.environment}`,
    `- app after the load: ${stats.activeRequests} request in flight (the /__stats request itself), ${stats.connections} FastCGI connections (nginx's idle keepalive ones), ${fmt(stats.totalRequests)} requests served in total`,
    `- downloads the app saw cancelled mid-stream (the client's hang-up reached it): ${fmt(stats.cancelledDownloads)} of ${fmt(abortStats.aborted)} aborted`,
    `- app open fds: ${idleFds} before nginx started, ${loadedFds} with nginx's idle connections after the load, ${afterFds} once nginx stopped`,
    `- app stderr: ${appStderr === '' ? 'empty' : JSON.stringify(appStderr.slice(0, 500))}`,
  ];
  const samplesNote = [...summary.samples, ...abortStats.samples, ...stats.logged.samples, ...nginxLog.samples].slice(0, 15);
  const passed = unexpected === 0 && rssGrowth.growth < GROWTH_LIMIT && fdGrowth.growth < GROWTH_LIMIT && afterFds <= idleFds;
  const command = `${process.env.SOAK_REQUESTS ? `SOAK_REQUESTS=${process.env.SOAK_REQUESTS} ` : ''}npm run soak`;
  const report = [
    '# Soak results',
    '',
    `Date: ${new Date().toISOString()}. Command: \`${command}\`. Verdict: **${passed ? 'passed' : 'FAILED'}**.`,
    '',
    `Method: wrk (1 thread, ${CONNECTIONS} connections, bench/soak/mix.lua) → nginx (1 worker, \`fastcgi_keep_conn on\`, upstream keepalive 64) → fastcgi-fetch (\`serve()\` on a Unix socket, default limits; bench/soak/app.ts). The mix is a fixed interleaved cycle (${cycle}); every response is checked by wrk's Lua (downloads byte for byte against the 1 MiB reference, uploads byte for byte by the app). Aborted downloads (${MIX.aborted}%) run beside wrk through an unbuffered nginx location: GET 16 MiB, hang up after 512 KiB, alternately with a TCP reset and a close. App RSS and open fds sampled every ${SAMPLE_MS / 1000} s from /proc; growth is the median of the last 10% of the run against the median of the 10% right after the first 10% (warm-up).`,
    '',
    ...(await versions()).map((line) => `- ${line}`),
    '',
    table,
    '',
    figures,
    '',
    ...checks,
    ...(samplesNote.length > 0 ? ['', 'Samples of what went wrong:', '', '```', ...samplesNote, '```'] : []),
    '',
  ].join('\n');
  log('');
  log(report);
  fs.writeFileSync(path.join(BENCH_DIR, 'SOAK.md'), report);
  fs.writeFileSync(path.join(work, 'samples.json'), JSON.stringify(samples));
  log(`samples: ${path.join(work, 'samples.json')}`);
  process.exitCode = passed ? 0 : 1;
}

try {
  await main();
} finally {
  await stopAll();
}
