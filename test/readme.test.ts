import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/cli/args.js';

const root = new URL('../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

/** README.md and every page under docs/, by path from the repository root. */
const pages = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const texts = new Map(pages.map((page) => [page, read(page)]));
const readme = texts.get('README.md')!;

/** Every `<!-- file: path -->` marker followed by a fenced block: the block must be that file. */
const shown = pages.flatMap((page) =>
  [...texts.get(page)!.matchAll(/<!-- file: (\S+) -->\n```[^\n]*\n([\s\S]*?)^```$/gm)].map((m) => ({
    page,
    path: m[1]!,
    block: m[2]!,
  })),
);

/** The text outside fenced code blocks, so that code is never read as links or headings. */
function prose(markdown: string): string {
  return markdown.replace(/^([ \t]*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1\2[ \t]*$/gm, '');
}

/** The anchors GitHub gives the headings of a page (lower case, punctuation dropped, `-n` for repeats). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const text = heading!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const repeats = seen.get(slug) ?? 0;
    seen.set(slug, repeats + 1);
    result.add(repeats === 0 ? slug : `${slug}-${repeats}`);
  }
  return result;
}

/** Every relative link of a page: `[text](target)` outside code, without a URL scheme. */
function relativeLinks(markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** A markdown table as cells, alignment rows reduced to their alignment, so padding does not count. */
function cells(lines: readonly string[]): string[][] {
  return lines.map((line) =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((cell) => cell.trim())
      .map((cell) => (/^:?-+:?$/.test(cell) ? `${cell.startsWith(':') ? ':' : ''}-${cell.endsWith(':') ? ':' : ''}` : cell)),
  );
}

/** The first markdown table at or after `from` (its consecutive `|` lines). */
function tableAt(markdown: string, from = 0): string[] {
  const lines = markdown.slice(from).split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  if (start < 0) return [];
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'));
  return lines.slice(start, end < 0 ? undefined : end);
}

describe('README', () => {
  it('is at most 250 lines', () => {
    expect(readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0)).toBeLessThanOrEqual(250);
  });

  it('shows the install line, the test command and the quick-start command', () => {
    expect(readme).toContain('npm install fastcgi-fetch');
    expect(readme).toContain('npm test');
    expect(readme).toContain('npm ci && npm start');
  });

  it('shows the test command that CI runs after installing the servers', () => {
    const ci = read('.ci/run').trimEnd().split('\n');
    const command = ci[ci.length - 1]!;
    expect(command).toBe('npm test');
    expect(readme).toMatch(new RegExp(`^${command} `, 'm'));
  });

  it('shows at least the nginx snippet', () => {
    expect(shown.filter((s) => s.page === 'README.md').map((s) => s.path)).toContain('examples/config/nginx.conf');
  });

  it('links every page under docs/', () => {
    const linked = new Set(relativeLinks(readme).map((target) => normalize(target.split('#')[0]!)));
    for (const page of pages.filter((p) => p !== 'README.md')) expect(linked, page).toContain(page);
  });

  it("reports the figures of bench/RESULTS.md's run, here and in docs/performance.md", () => {
    const date = /^Date: (\d{4}-\d{2}-\d{2})T/m.exec(read('bench/RESULTS.md'))?.[1];
    expect(date).toBeDefined();
    expect(readme).toContain(`The last full \`npm run bench\` (${date},`);
    expect(read('docs/performance.md')).toContain(`Last full run: ${date},`);
  });

  it('shows the compatibility table test/integration/COMPATIBILITY.md holds', () => {
    expect(readme).toContain('<!-- table: test/integration/COMPATIBILITY.md -->');
  });
});

describe('README and docs/', () => {
  it("map php-fpm's pool settings in one table, to flags that `fastcgi-fetch serve --help` lists", () => {
    const tables = pages.flatMap((page) => [...texts.get(page)!.matchAll(/^\| php-fpm pool setting \|.*\n\|[-|]+\|\n((?:\|.*\n)+)/gm)]);
    expect(tables).toHaveLength(1);
    const flags = [...tables[0]![1]!.matchAll(/--[a-z-]+/g)].map((m) => m[0]);
    expect(flags.length).toBeGreaterThan(10);
    const help = parseCommand(['serve', '--help']);
    if (help.command !== 'help') throw new Error('serve --help did not give help');
    for (const flag of flags) expect(help.text, flag).toMatch(new RegExp(`^ +${flag} `, 'm'));
  });

  it('show every web-server and deployment file under examples/config/ and examples/deploy/', () => {
    const files = ['examples/config/', 'examples/deploy/'].flatMap((dir) =>
      readdirSync(new URL(dir, root))
        .filter((name) => !name.endsWith('.test.ts'))
        .map((name) => `${dir}${name}`),
    );
    const paths = new Set(shown.map((s) => s.path));
    for (const file of files) expect(paths, file).toContain(file);
  });

  for (const page of pages) {
    const markdown = texts.get(page)!;

    it(`${page}: every file marker is followed by a fenced block`, () => {
      const markers = [...markdown.matchAll(/<!-- file: (\S+) -->/g)].length;
      expect(shown.filter((s) => s.page === page)).toHaveLength(markers);
    });

    it(`${page}: every relative link leads to a file, and every #anchor to a heading`, () => {
      const broken: string[] = [];
      for (const target of relativeLinks(markdown)) {
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const file = path === '' ? page : normalize(join(dirname(page), decodeURIComponent(path)));
        if (!existsSync(new URL(file, root))) {
          broken.push(`${target}: no file ${file}`);
          continue;
        }
        if (anchor !== undefined && !anchors(file === page ? markdown : read(file)).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${file}`);
      }
      expect(broken).toEqual([]);
    });

    for (const marker of markdown.matchAll(/<!-- table: (\S+) -->\n/g)) {
      const path = marker[1]!;
      const at = marker.index! + marker[0].length;
      it(`${page}: shows the table of ${path} as it is there`, () => {
        expect(markdown.startsWith('|', at), 'a table right below the marker').toBe(true);
        const shownTable = cells(tableAt(markdown, at));
        expect(shownTable.length).toBeGreaterThan(2);
        expect(shownTable, `copy the table of ${path} into ${page}`).toEqual(cells(tableAt(read(path))));
      });
    }
  }

  for (const { page, path, block } of shown) {
    it(`${page} shows ${path} exactly as the suites use it`, () => {
      const file = read(path);
      expect(block).toBe(file.endsWith('\n') ? file : `${file}\n`);
    });
  }
});
