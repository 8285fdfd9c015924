/**
 * The Bun and Deno contenders: each runtime's own HTTP server and fastcgi-fetch on it, the same
 * compiled bench app (bench/.apps) as the Node contenders. The binaries are the runtime matrix's
 * (test/runtimes/runtimes.ts), installed into node_modules/.cache/runtimes on first use.
 */
import path from 'node:path';
import { RUNTIMES, ensureInstalled, runtimeEnv, type Runtime } from '../../test/runtimes/runtimes.js';
import { BENCH_DIR, startOnSocket, type Target } from './target.js';

function runtime(id: 'bun' | 'deno'): Runtime {
  const found = RUNTIMES.find((r) => r.id === id);
  if (found === undefined) throw new Error(`no runtime ${id} in test/runtimes/runtimes.ts`);
  return found;
}

/** `<runtime> [prefix] bench/.apps/<file>.js <socket>`, with `env` added. */
function runtimeTarget(id: 'bun' | 'deno', name: string, protocol: Target['protocol'], file: string, env: NodeJS.ProcessEnv = {}): Target {
  const rt = runtime(id);
  return {
    name,
    protocol,
    async prepare() {
      ensureInstalled(rt);
    },
    start(dir, options) {
      const slug = name.replace(/[^a-z0-9-]+/gi, '-').replace(/^-|-$/g, '');
      const socket = path.join(dir, `${slug}.sock`);
      const script = file.replace(/\.ts$/, '.js');
      const profile = options?.cpuProfile;
      // Bun writes its --cpu-prof profile when it exits; Deno has no such flag: node:inspector
      // in a wrapper writes it on SIGUSR2.
      const profiled: { flags: string[]; script: string; env: NodeJS.ProcessEnv } =
        profile === undefined
          ? { flags: [], script, env: {} }
          : id === 'bun'
            ? { flags: ['--cpu-prof', `--cpu-prof-dir=${path.dirname(profile)}`, `--cpu-prof-name=${path.basename(profile)}`], script, env: {} }
            : { flags: [], script: 'cpu-profiled.js', env: { CPU_PROFILED_APP: `./${script}`, CPU_PROFILE_FILE: profile } };
      const args = [...rt.prefix, ...profiled.flags, path.join(BENCH_DIR, '.apps', profiled.script), socket];
      return startOnSocket(name, socket, rt.bin, args, path.join(dir, `${slug}.log`), {
        ...runtimeEnv(),
        NODE_ENV: 'production',
        ...env,
        ...profiled.env,
      });
    },
  };
}

export const fastcgiFetchBun = runtimeTarget('bun', 'fastcgi-fetch (Bun)', 'fastcgi', 'fastcgi-fetch.ts');
export const bunServe = runtimeTarget('bun', 'Bun.serve', 'http', 'bun-serve.ts');
export const floorBun = runtimeTarget('bun', 'floor (Bun)', 'fastcgi', 'floor-bun.ts');
export const fastcgiFetchDeno = runtimeTarget('deno', 'fastcgi-fetch (Deno)', 'fastcgi', 'fastcgi-fetch.ts');
export const denoServe = runtimeTarget('deno', 'Deno.serve', 'http', 'deno-serve.ts');
export const floorDeno = runtimeTarget('deno', 'floor (Deno)', 'fastcgi', 'floor-deno.ts');

/** BENCH_NODE_NET=1: fastcgi-fetch on Bun and Deno over node:net too, to see what the native sockets gain. */
export const nodeNetVariants =
  process.env.BENCH_NODE_NET === '1'
    ? [
        runtimeTarget('bun', 'fastcgi-fetch (Bun, node:net)', 'fastcgi', 'fastcgi-fetch.ts', { FASTCGI_FETCH_TRANSPORT: 'node:net' }),
        runtimeTarget('deno', 'fastcgi-fetch (Deno, node:net)', 'fastcgi', 'fastcgi-fetch.ts', { FASTCGI_FETCH_TRANSPORT: 'node:net' }),
      ]
    : [];

/**
 * BENCH_COMPARE_DIST=<another build's dist/>: that build on Bun and Deno too, so a change to the
 * native transports is measured against its base in the same run.
 */
export const compareDistVariants = process.env.BENCH_COMPARE_DIST
  ? [
      runtimeTarget('bun', 'fastcgi-fetch (Bun, compare)', 'fastcgi', 'fastcgi-fetch.ts', { FASTCGI_FETCH_DIST: process.env.BENCH_COMPARE_DIST }),
      runtimeTarget('deno', 'fastcgi-fetch (Deno, compare)', 'fastcgi', 'fastcgi-fetch.ts', { FASTCGI_FETCH_DIST: process.env.BENCH_COMPARE_DIST }),
    ]
  : [];

/** Each runtime's fastcgi-fetch, its own HTTP server and its floor, for the per-runtime goals. */
export const RUNTIME_ROWS = [
  { runtime: 'Node', fastcgiFetch: 'fastcgi-fetch', own: '@hono/node-server', floor: 'floor' },
  { runtime: 'Bun', fastcgiFetch: fastcgiFetchBun.name, own: bunServe.name, floor: floorBun.name },
  { runtime: 'Deno', fastcgiFetch: fastcgiFetchDeno.name, own: denoServe.name, floor: floorDeno.name },
] as const;
