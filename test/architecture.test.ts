/**
 * The layers of docs/architecture.md, held against the code: the "may import" column of its
 * folder table is read from the page, and every import under src/ must keep to it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const page = readFileSync(new URL('docs/architecture.md', root), 'utf8');

/** `src/<folder>/` → the src folders it may import, as the page's table lists them. */
function layerTable(): Map<string, Set<string>> {
  const table = new Map<string, Set<string>>();
  for (const [, folder, mayImport] of page.matchAll(/^\| `src\/([a-z]+)\/` \| [^|]+ \| ([^|]+) \|$/gm)) {
    // "protocol, http, engine (its request state and sink)": the first word of each item names a folder.
    const allowed = mayImport!.trim() === 'nothing' ? [] : mayImport!.split(',').map((item) => item.trim().split(/\s/)[0]!);
    table.set(folder!, new Set(allowed));
  }
  return table;
}

/** The product files of one src folder, tests left out. */
function productFiles(folder: string): string[] {
  return readdirSync(new URL(`src/${folder}/`, root), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .map((name) => `src/${folder}/${name}`);
}

/** Every module a file names: static imports (side-effect ones too), re-exports and `import()` with a literal. */
function specifiers(file: string): string[] {
  const text = readFileSync(new URL(file, root), 'utf8');
  const pattern = /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g;
  return [...text.matchAll(pattern)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

const layers = layerTable();
const folders = readdirSync(new URL('src/', root), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('the layers of docs/architecture.md', () => {
  it('list every folder under src/, and only those', () => {
    expect([...layers.keys()].sort()).toEqual(folders);
    for (const allowed of layers.values()) for (const folder of allowed) expect(folders).toContain(folder);
  });

  it.each(folders)('src/%s/ imports only the folders the table allows it', (folder) => {
    const allowed = layers.get(folder) ?? new Set<string>();
    const crossings: string[] = [];
    for (const file of productFiles(folder)) {
      for (const specifier of specifiers(file)) {
        const target = /^\.\.\/([a-z]+)\//.exec(specifier)?.[1];
        if (target !== undefined && !allowed.has(target)) crossings.push(`${file} → src/${target}/`);
      }
    }
    expect(crossings).toEqual([]);
  });

  it.each(['protocol', 'http', 'engine'])('src/%s/ imports no node:* module, so it runs on every runtime and in memory', (folder) => {
    const nodeImports = productFiles(folder).flatMap((file) =>
      specifiers(file)
        .filter((s) => s.startsWith('node:'))
        .map((s) => `${file}: ${s}`),
    );
    expect(nodeImports).toEqual([]);
  });
});
