import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App } from '../types.js';
import { CliError } from './errors.js';

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return Object.keys(value).length ? `an object with ${Object.keys(value).join(', ')}` : 'an empty object';
  return typeof value;
}

/** File URL of the app, or a bare specifier left for the resolver (a package name). */
function locate(specifier: string, cwd: string): { url: string; file: string | undefined } {
  const file = isAbsolute(specifier) ? specifier : resolve(cwd, specifier);
  if (existsSync(file)) return { url: pathToFileURL(file).href, file };
  if (specifier.startsWith('.') || specifier.startsWith('/') || extname(specifier) !== '') {
    throw new CliError(`cannot find module ${specifier} (looked for ${file})`);
  }
  try {
    return { url: pathToFileURL(createRequire(resolve(cwd, 'noop.js')).resolve(specifier)).href, file: undefined };
  } catch {
    throw new CliError(`cannot find module ${specifier} (neither a file nor a package from ${cwd})`);
  }
}

interface TsxApi {
  tsImport(specifier: string, parentURL: string): Promise<Record<string, unknown>>;
}

/** tsx from the app's project first (it is the app's devDependency), else next to this package. */
async function findTsx(cwd: string, file: string): Promise<TsxApi | undefined> {
  for (const base of [resolve(cwd, 'noop.js'), file, import.meta.url]) {
    try {
      const path = createRequire(base).resolve('tsx/esm/api');
      return (await import(pathToFileURL(path).href)) as TsxApi;
    } catch {
      // not installed from there; try the next place.
    }
  }
  return undefined;
}

async function importModule(url: string, file: string | undefined, cwd: string, specifier: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    // Node without a TypeScript loader refuses .ts; tsx loads it (and whatever .ts it imports).
    const refusedTs = file !== undefined && TS_EXTENSIONS.has(extname(file)) &&
      (codeOf(error) === 'ERR_UNKNOWN_FILE_EXTENSION' || codeOf(error) === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING');
    if (!refusedTs) throw loadError(specifier, error);
    const tsx = await findTsx(cwd, file);
    if (!tsx) {
      throw new CliError(`cannot load ${specifier}: running TypeScript needs tsx (npm i -D tsx), or build the app to .js first`);
    }
    try {
      return await tsx.tsImport(url, import.meta.url);
    } catch (tsError) {
      throw loadError(specifier, tsError);
    }
  }
}

function loadError(specifier: string, error: unknown): CliError {
  if (error instanceof CliError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const failure = new CliError(`cannot load ${specifier}: ${message.split('\n')[0]}`);
  // The app's own exception: its stack is what the developer needs to see.
  if (error instanceof Error && error.stack && codeOf(error) !== 'ERR_MODULE_NOT_FOUND') failure.stack = error.stack;
  return failure;
}

/**
 * Imports the app module and returns what serve() takes: the default export when it is a
 * function or has a fetch method, else a named `fetch` export.
 */
export async function loadApp(specifier: string, cwd: string = process.cwd()): Promise<App> {
  const { url, file } = locate(specifier, cwd);
  const namespace = await importModule(url, file, cwd, specifier);
  const candidate = namespace.default;
  if (typeof candidate === 'function') return candidate as App;
  if (typeof candidate === 'object' && candidate !== null && typeof (candidate as { fetch?: unknown }).fetch === 'function') {
    return candidate as App;
  }
  if (typeof namespace.fetch === 'function') return { fetch: namespace.fetch } as App;
  throw new CliError(
    `${specifier} has no fetch handler: export default a function, or an object with a fetch method (its default export is ${describe(candidate)})`,
  );
}
