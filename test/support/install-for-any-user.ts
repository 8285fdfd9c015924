/**
 * The built package and an app, copied where any user may read them, as a deployment has them
 * (/srv, /opt). Tests that run the app as an unprivileged user need this: the checkout itself
 * may sit in a folder only root can enter (/root, as a CI clone may).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface AnyUserInstall {
  /** The temporary folder (world-readable); remove it when done. */
  readonly dir: string;
  /** `dist/src/cli.js` in the copy: run it with `node`. */
  readonly cli: string;
  /** Each app file given, by its base name, in the copy. */
  readonly files: Readonly<Record<string, string>>;
  remove(): void;
}

/** Copies dist/ (it must be built), package.json and `files` into a fresh world-readable folder. */
export function installForAnyUser(files: readonly string[]): AnyUserInstall {
  const built = path.join(ROOT, 'dist/src/cli.js');
  if (!fs.existsSync(built)) throw new Error(`${built} is missing: run npm run build (npm test does)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcgi-any-user-'));
  fs.chmodSync(dir, 0o755);
  fs.cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  const copied: Record<string, string> = {};
  for (const file of files) {
    copied[path.basename(file)] = path.join(dir, path.basename(file));
    fs.copyFileSync(file, copied[path.basename(file)]!);
  }
  return { dir, cli: path.join(dir, 'dist/src/cli.js'), files: copied, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
