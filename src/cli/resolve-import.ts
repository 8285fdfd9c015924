import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The conditions Node's ESM loader matches (besides "default"): what `import()` picks. */
const IMPORT_CONDITIONS = new Set(['node', 'import', 'default']);

function pickTarget(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = pickTarget(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof target !== 'object' || target === null) return undefined;
  // Conditions are tried in the package's own key order, as Node does.
  for (const [condition, value] of Object.entries(target)) {
    if (!IMPORT_CONDITIONS.has(condition)) continue;
    const found = pickTarget(value);
    if (found !== undefined) return found;
  }
  return undefined;
}

function exportTarget(exports: unknown, subpath: string): unknown {
  const isSubpathMap = typeof exports === 'object' && exports !== null && !Array.isArray(exports) && Object.keys(exports).some((key) => key.startsWith('.'));
  if (isSubpathMap) return (exports as Record<string, unknown>)[subpath];
  return subpath === '.' ? exports : undefined;
}

/**
 * The file that an `import` of package `name` at `subpath` ("." or "./esm/api", as keys of
 * "exports" are written) would load if written in `fromFile`; undefined when the package is not
 * installed there or does not export that subpath. `createRequire(fromFile).resolve()` cannot
 * answer this: it applies the "require" condition and picks a dual package's CommonJS build
 * (tsx's CommonJS API cannot load its ESM half on Node 20). Handles exact "exports" subpaths,
 * not patterns: enough for the packages the CLI looks up.
 */
export function resolveImport(name: string, subpath: string, fromFile: string): string | undefined {
  const searched = createRequire(fromFile).resolve.paths(name) ?? [];
  for (const dir of searched) {
    const manifest = join(dir, name, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: unknown };
    const target =
      pkg.exports === undefined ? (subpath === '.' && typeof pkg.main === 'string' ? pkg.main : undefined) : pickTarget(exportTarget(pkg.exports, subpath));
    // The nearest installed copy decides, as in Node: no falling through to an outer one.
    return target === undefined ? undefined : join(dirname(manifest), target);
  }
  return undefined;
}
