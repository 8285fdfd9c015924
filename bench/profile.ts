/**
 * CPU profile of fastcgi-fetch under the /hello load, on Node, Bun or Deno (BENCH_PROFILE_RUNTIME
 * when run alone; BENCH_PROFILE_KEEP_CONN=0 for a connection per request; BENCH_PROFILE_PATH for
 * another path of the bench app, e.g. `/bytes?n=1048576`, and BENCH_PROFILE_CONNECTIONS), summarised as the functions and files with the most self time. The raw
 * profile is kept in the OS temp dir for Chrome DevTools / speedscope.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileApps } from './lib/compile-apps.js';
import { startNginx } from './lib/nginx.js';
import { fmt } from './lib/stats.js';
import { type WrkResult, wrk } from './lib/wrk.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { fastcgiFetch } from './targets/node.js';
import { fastcgiFetchBun, fastcgiFetchDeno } from './targets/runtimes.js';
import { REPO_DIR } from './targets/target.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  const repo = REPO_DIR;
  return url.replace(`file://${repo}/`, '').replace(/^file:\/\/.*node_modules\//, 'node_modules/');
}

/** Self time per function and per file, as two markdown tables (top `limit` rows). */
export function summarise(profile: CpuProfile, limit = 20): string {
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const node of profile.nodes) {
    const time = self.get(node.id) ?? 0;
    if (time === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? shortUrl(url) : `(${functionName || 'native'})`;
    const key = `${functionName || '(anonymous)'} — ${file}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + time);
    byFile.set(file, (byFile.get(file) ?? 0) + time);
  }
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, time]) => `| ${fmt((100 * time) / total, 1)}% | ${name.replaceAll('|', '\\|')} |`)
      .join('\n');
  return `Top functions by self time:\n\n| self | function — file:line |\n|---:|---|\n${rows(byFunction)}\n\nBy file:\n\n| self | file |\n|---:|---|\n${rows(byFile)}`;
}

/** Where each runtime's fastcgi-fetch is profiled from. */
const PROFILED = { node: fastcgiFetch, bun: fastcgiFetchBun, deno: fastcgiFetchDeno };
export type ProfiledRuntime = keyof typeof PROFILED;

/** Waits up to `ms` for `file` to appear and stop growing. */
async function written(file: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  let size = -1;
  while (Date.now() < deadline) {
    const now = fs.existsSync(file) ? fs.statSync(file).size : -1;
    if (now > 0 && now === size) return true;
    size = now;
    await sleep(200);
  }
  return false;
}

/**
 * A CPU profile of fastcgi-fetch on `runtime` under the load of `urlPath` (/hello unless told):
 * Node's and Bun's --cpu-prof, Deno's V8 profiler through node:inspector (bench/apps/cpu-profiled.ts).
 */
export async function profileLoad(
  work: string,
  seconds: number,
  runtime: ProfiledRuntime = 'node',
  keepConn = true,
  urlPath = '/hello',
  connections = 32,
): Promise<string> {
  const dir = fs.mkdtempSync(path.join(work, 'profile-'));
  const profiles = path.join(dir, 'profiles');
  fs.mkdirSync(profiles, { recursive: true });
  const contender = PROFILED[runtime];
  const profileFile = path.join(profiles, `${runtime}.cpuprofile`);
  await contender.prepare?.(work);
  const target = await contender.start(dir, runtime === 'node' ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profiles}`] } : { cpuProfile: profileFile });
  const nginx = await startNginx(path.join(dir, 'nginx'), [{ key: 'app', protocol: 'fastcgi', socket: target.socket }]);
  let result: WrkResult;
  try {
    const url = `http://127.0.0.1:${nginx.port('app', keepConn)}${urlPath}`;
    await wrk({ url, seconds: 2, connections });
    result = await wrk({ url, seconds, connections });
    if (runtime === 'deno') {
      process.kill(target.process.pid, 'SIGUSR2');
      await written(profileFile, 30_000);
    }
  } finally {
    await nginx.stop();
    // SIGTERM: the app closes its server and exits normally, which writes Node's and Bun's profile.
    await target.stop(10_000);
  }
  const file = fs.readdirSync(profiles).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) return 'no profile was written';
  const name = urlPath.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');
  const kept = path.join(os.tmpdir(), `fastcgi-fetch-${name}-${runtime}-${Date.now()}.cpuprofile`);
  fs.copyFileSync(path.join(profiles, file), kept);
  const profile = JSON.parse(fs.readFileSync(kept, 'utf8')) as CpuProfile;
  const rate = urlPath === '/hello' ? '' : ` (${fmt(result.bytesPerSecond / 1024 ** 2, 1)} MiB/s)`;
  return `${fmt(result.requestsPerSecond)} req/s${rate} while profiling; profile kept at \`${kept}\`.\n\n${summarise(profile)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  compileApps();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fastcgi-fetch-profile-'));
  try {
    const runtime = (process.env.BENCH_PROFILE_RUNTIME ?? 'node') as ProfiledRuntime;
    const keepConn = process.env.BENCH_PROFILE_KEEP_CONN !== '0';
    const urlPath = process.env.BENCH_PROFILE_PATH ?? '/hello';
    const connections = Number(process.env.BENCH_PROFILE_CONNECTIONS ?? 32);
    process.stdout.write(`${await profileLoad(work, Number(process.env.BENCH_SECONDS ?? 10), runtime, keepConn, urlPath, connections)}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
