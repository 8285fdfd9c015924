import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const IN_NODE_MODULES = /(^|[/\\])node_modules([/\\]|$)/;
const NOT_SOURCE = /(^|[/\\])(node_modules|\.git|dist|coverage)([/\\]|$)/;
// Not .json: an app's data files are often JSON; a JSON module it imports is in its graph anyway.
const SOURCE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.tsx', '.jsx']);

function pathOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    // tsx marks its own loads with a query; the file is the same.
    return parsed.protocol === 'file:' ? fileURLToPath(new URL(parsed.pathname, 'file:')) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The files the app is made of: every module reachable from `entry` over the import edges the
 * app's process reported, plus the CommonJS files it required, leaving out node_modules (a
 * dependency changes with `npm install`, which is worth a manual restart).
 */
export function appFiles(entry: string, edges: Iterable<readonly [string | null, string]>, required: readonly string[] = []): string[] {
  const imports = new Map<string, Set<string>>();
  for (const [from, to] of edges) {
    const parent = from === null ? undefined : pathOf(from);
    const child = pathOf(to);
    if (parent === undefined || child === undefined) continue;
    let children = imports.get(parent);
    if (!children) imports.set(parent, (children = new Set()));
    children.add(child);
  }
  const reached = new Set([fileURLToPath(pathToFileURL(entry))]);
  for (const file of reached) for (const child of imports.get(file) ?? []) reached.add(child);
  for (const key of required) {
    // require.cache keys: paths, with tsx's "?namespace=..." on those it compiled, and data: URLs.
    if (!isAbsolute(key)) continue;
    reached.add(existsSync(key) ? key : key.replace(/\?[^/]*$/, ''));
  }
  return [...reached].filter((file) => !IN_NODE_MODULES.test(file));
}

/**
 * Watches a set of files through their directories (so an editor that saves by renaming a new
 * file over the old one is still seen), and optionally every source file under a folder (when
 * the app's files are not known, e.g. it failed before importing them). Nothing else triggers.
 */
export class SourceWatcher {
  readonly #dirs = new Map<string, { watcher: FSWatcher; names: Set<string> }>();
  #fallback: { dir: string; watcher: FSWatcher } | undefined;

  constructor(private readonly onChange: (file: string) => void) {}

  /** The files to watch from now on. */
  watchFiles(files: Iterable<string>): void {
    const wanted = new Map<string, Set<string>>();
    for (const file of files) {
      const dir = dirname(file);
      let names = wanted.get(dir);
      if (!names) wanted.set(dir, (names = new Set()));
      names.add(basename(file));
    }
    for (const [dir, entry] of this.#dirs) {
      if (wanted.has(dir)) continue;
      entry.watcher.close();
      this.#dirs.delete(dir);
    }
    for (const [dir, names] of wanted) {
      const entry = this.#dirs.get(dir);
      if (entry) {
        entry.names = names;
        continue;
      }
      try {
        const watched = { names, watcher: watch(dir, (_event, name) => name && watched.names.has(String(name)) && this.onChange(join(dir, String(name)))) };
        watched.watcher.on('error', () => {});
        this.#dirs.set(dir, watched);
      } catch {
        // The folder is gone: nothing in it can change.
      }
    }
  }

  /** Also every source file under `dir` (undefined: stop that). */
  watchSourcesUnder(dir: string | undefined): void {
    if (this.#fallback?.dir === dir) return;
    this.#fallback?.watcher.close();
    this.#fallback = undefined;
    if (dir === undefined) return;
    const watcher = watch(dir, { recursive: true }, (_event, name) => {
      const file = name === null ? '' : String(name);
      if (file && !NOT_SOURCE.test(file) && SOURCE_EXTENSIONS.has(extname(file))) this.onChange(join(dir, file));
    });
    watcher.on('error', () => {});
    this.#fallback = { dir, watcher };
  }

  /** How many files are watched by name, for the log. */
  get size(): number {
    let n = 0;
    for (const { names } of this.#dirs.values()) n += names.size;
    return n;
  }

  close(): void {
    for (const { watcher } of this.#dirs.values()) watcher.close();
    this.#dirs.clear();
    this.watchSourcesUnder(undefined);
  }
}

/** "app.mjs" or "../lib/x.js": a file as the terminal shows it. */
export function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith(`..${sep}..`) ? rel : file;
}
