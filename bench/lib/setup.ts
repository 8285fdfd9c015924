/** Installs what the bench needs when it is missing: Debian packages and npm devDependencies. */
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, REPO_DIR } from '../targets/target.js';
import { phpFpmBinary } from '../targets/php.js';
import { compileApps } from './compile-apps.js';
import { hasCommand, run } from './processes.js';

const NPM_PACKAGES = ['@hono/node-server', 'node-fastcgi', 'hono'];

/** Where an npm package of the bench is installed: this package's node_modules, or the root's (hoisted by npm workspaces). */
function packageDir(name: string): string | undefined {
  return [BENCH_DIR, REPO_DIR].map((dir) => path.join(dir, 'node_modules', name)).find((dir) => fs.existsSync(path.join(dir, 'package.json')));
}

async function missingDebianPackages(): Promise<string[]> {
  const missing: string[] = [];
  if (!(await hasCommand('wrk'))) missing.push('wrk');
  if (!(await hasCommand('nginx'))) missing.push('nginx');
  if (!(await hasCommand('go'))) missing.push('golang-go');
  if (!(await hasCommand('gcc'))) missing.push('gcc');
  if (!(await hasCommand('curl'))) missing.push('curl');
  if (!fs.existsSync('/usr/include/fcgiapp.h')) missing.push('libfcgi-dev');
  if (phpFpmBinary() === undefined) missing.push('php-fpm');
  return missing;
}

/** Makes sure every tool and package is there; installs the missing ones (apt-get, npm). */
export async function ensureDependencies(log: (line: string) => void): Promise<void> {
  const debian = await missingDebianPackages();
  if (debian.length > 0) {
    log(`installing Debian packages: ${debian.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['install', '-y', ...debian], { env }).catch(async () => {
      await run('apt-get', ['update'], { env });
      await run('apt-get', ['install', '-y', ...debian], { env });
    });
  }
  const npm = NPM_PACKAGES.filter((name) => packageDir(name) === undefined);
  if (npm.length > 0) {
    log(`installing the bench package's devDependencies (missing: ${npm.join(' ')})`);
    await run('npm', ['install', '--workspace', 'bench'], { cwd: REPO_DIR });
  }
  // fastcgi-fetch is measured as users run it: the built dist/, not TypeScript through a loader.
  log('building dist/ (npm run build)');
  await run('npm', ['run', 'build'], { cwd: REPO_DIR });
  compileApps();
}

/** Versions of what was measured, for RESULTS.md. */
export async function versions(): Promise<Record<string, string>> {
  const first = (text: string) =>
    text
      .split('\n')
      .find((line) => line.trim())
      ?.trim() ?? '?';
  const grab = (command: string, args: string[]) => run(command, args).then(first, () => 'not installed');
  const php = phpFpmBinary();
  const packageVersion = (name: string) => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(packageDir(name)!, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return '?';
    }
  };
  return {
    node: process.version,
    nginx: await grab('nginx', ['-v']),
    go: await grab('go', ['version']),
    php: php ? await grab(php, ['-v']) : 'not installed',
    libfcgi: await grab('sh', ['-c', "dpkg-query -W -f '${Version}' libfcgi-dev"]),
    wrk: await grab('sh', ['-c', "dpkg-query -W -f '${Version}' wrk"]),
    hono: packageVersion('hono'),
    '@hono/node-server': packageVersion('@hono/node-server'),
    'node-fastcgi': packageVersion('node-fastcgi'),
    cpu: await grab('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2; nproc"]).then(
      async (model) => `${model} × ${(await run('nproc', [])).trim()}`,
    ),
  };
}
