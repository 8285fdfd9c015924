/** Packs this package as `npm publish` would, for tests that check or install the tarball. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** What `npm test` around us sets that describes this project, not the user's npm settings. */
const THIS_PROJECT = /^npm_(package_|lifecycle_|command$|config_local_prefix$|config_loglevel$)/i;

/**
 * The environment for a nested npm or CLI run: the user's npm settings (registry, cache, CA),
 * but nothing naming this project, no NODE_OPTIONS preloads, and this very node on PATH.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!THIS_PROJECT.test(key) && key !== 'NODE_OPTIONS') env[key] = value;
  }
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
  return { ...env, ...extra };
}

/** Runs a command to completion; rejects with its output when it fails. */
export function run(command: string, args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: cleanEnv(), timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The locked version of a devDependency, so a test project installs what `npm ci` put in the npm cache. */
export function lockedVersion(name: string): string {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is not in package-lock.json`);
  return version;
}

/**
 * Builds the package afresh into a staging copy and runs `npm pack` there; resolves with the
 * tarball's path inside `into`. The staging copy leaves ./dist alone: other test files import it
 * while this runs.
 */
export async function packPackage(into: string): Promise<string> {
  const stage = path.join(into, 'stage');
  fs.mkdirSync(stage, { recursive: true });
  for (const file of ['package.json', 'README.md', 'LICENSE']) {
    if (fs.existsSync(path.join(ROOT, file))) fs.copyFileSync(path.join(ROOT, file), path.join(stage, file));
  }
  const tsc = createRequire(path.join(ROOT, 'package.json')).resolve('typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', path.join(stage, 'dist')], ROOT);
  const packed = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', into], stage)) as { filename: string }[];
  return path.join(into, packed[0]!.filename);
}
