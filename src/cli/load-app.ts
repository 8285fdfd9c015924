import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App } from '../types.js';
import { CliError } from './cli-error.js';
import { resolveImport } from './resolve-import.js';

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

/** A variable, so that TypeScript does not need tsx's types to build this file. */
const TSX_API = 'tsx/esm/api';

/**
 * tsx's ESM API from the app's project first (tsx is the app's devDependency), else next to this
 * package; undefined when tsx is in neither place. A tsx that is there but cannot load is an error.
 */
async function findTsx(cwd: string, file: string): Promise<TsxApi | undefined> {
  for (const base of [resolve(cwd, 'noop.js'), file]) {
    const entry = resolveImport('tsx', './esm/api', base);
    if (entry === undefined) continue;
    try {
      return (await import(pathToFileURL(entry).href)) as TsxApi;
    } catch (error) {
      throw new CliError(`cannot load tsx from ${entry}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  try {
    return (await import(TSX_API)) as TsxApi;
  } catch (error) {
    if (codeOf(error) === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw new CliError(`cannot load tsx: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Node's complaint about `import`/`export` in a .js or .ts file that a "type": "commonjs" scope makes CommonJS. */
function isModuleSyntaxInCommonJs(file: string, error: unknown): boolean {
  return (
    (extname(file) === '.js' || extname(file) === '.ts') &&
    error instanceof SyntaxError &&
    /Cannot use import statement outside a module|Unexpected token 'export'/.test(error.message)
  );
}

function moduleSyntaxError(specifier: string, file: string): CliError {
  const ext = extname(file);
  const fixes = ext === '.ts' ? 'set that, rename the file to .mts, or install tsx (npm i -D tsx)' : 'set that, or rename the file to .mjs';
  return new CliError(
    `cannot load ${specifier}: it uses import/export, but Node runs a ${ext} file as CommonJS unless the nearest package.json says "type": "module"; ${fixes}`,
  );
}

/** Bun and Deno run TypeScript themselves; tsx's loader hooks are Node's. */
const ON_NODE = !('bun' in process.versions) && !('deno' in process.versions);

async function importModule(url: string, file: string | undefined, cwd: string, specifier: string): Promise<Record<string, unknown>> {
  const typescript = file !== undefined && TS_EXTENSIONS.has(extname(file));
  // tsx when installed, even where Node strips types itself: stripping refuses `export default`
  // in a "type": "commonjs" project (what `npm init -y` writes), enums and the like; tsx loads them.
  const tsx = typescript && ON_NODE ? await findTsx(cwd, file) : undefined;
  if (tsx) {
    try {
      return await tsx.tsImport(url, import.meta.url);
    } catch (error) {
      throw loadError(specifier, error);
    }
  }
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if (file !== undefined && isModuleSyntaxInCommonJs(file, error)) throw moduleSyntaxError(specifier, file);
    // Node before type stripping refuses .ts, and every Node refuses it under node_modules.
    const refusedTs = typescript && (codeOf(error) === 'ERR_UNKNOWN_FILE_EXTENSION' || codeOf(error) === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING');
    if (refusedTs) {
      throw new CliError(`cannot load ${specifier}: running TypeScript needs tsx (npm i -D tsx), or build the app to .js first`);
    }
    throw loadError(specifier, error);
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

function isApp(value: unknown): value is App {
  if (typeof value === 'function') return true;
  return typeof value === 'object' && value !== null && typeof (value as { fetch?: unknown }).fetch === 'function';
}

/**
 * The app among a module's exports: the default export; else the default export of `export
 * default` compiled to CommonJS (tsx or tsc in a "type": "commonjs" project), which arrives as
 * `{ default: app }`; else a named `fetch` export.
 */
function pickApp(namespace: Record<string, unknown>): App | undefined {
  const candidate = namespace.default;
  // The candidate itself first: an itty router answers every property, `default` included.
  if (isApp(candidate)) return candidate;
  const inner = typeof candidate === 'object' && candidate !== null ? (candidate as { default?: unknown }).default : undefined;
  if (isApp(inner)) return inner;
  if (typeof namespace.fetch === 'function') return { fetch: namespace.fetch } as App;
  return undefined;
}

/**
 * The loaded app, boxed: an itty router answers every property, `then` included, so resolving a
 * promise with the app itself would take it for a promise and never settle.
 */
export interface LoadedApp {
  readonly app: App;
}

/**
 * Imports the app module and returns what serve() takes: the default export when it is a
 * function or has a fetch method (unwrapping CommonJS output of `export default`), else a named
 * `fetch` export.
 */
export async function loadApp(specifier: string, cwd: string = process.cwd()): Promise<LoadedApp> {
  const { url, file } = locate(specifier, cwd);
  const namespace = await importModule(url, file, cwd, specifier);
  const app = pickApp(namespace);
  if (app !== undefined) return { app };
  throw new CliError(
    `${specifier} has no fetch handler: export default a function, or an object with a fetch method (its default export is ${describe(namespace.default)})`,
  );
}
