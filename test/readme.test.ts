import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/cli/args.js';

const root = new URL('../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

/** Every `<!-- file: path -->` marker followed by a fenced block: the block must be that file. */
const shown = [...readme.matchAll(/<!-- file: (\S+) -->\n```[^\n]*\n([\s\S]*?)```/g)].map((m) => ({
  path: m[1]!,
  block: m[2]!,
}));

describe('README', () => {
  it('shows the test command and the quick-start command', () => {
    expect(readme).toContain('npm test');
    expect(readme).toContain('npm ci && npm start');
  });

  it('shows at least the nginx snippet', () => {
    expect(shown.map((s) => s.path)).toContain('examples/config/nginx.conf');
  });

  it("maps php-fpm's pool settings in one table, to flags that `fastcgi-fetch serve --help` lists", () => {
    const tables = [...readme.matchAll(/^\| php-fpm pool setting \|.*\n\|[-|]+\|\n((?:\|.*\n)+)/gm)];
    expect(tables).toHaveLength(1);
    const flags = [...tables[0]![1]!.matchAll(/--[a-z-]+/g)].map((m) => m[0]);
    expect(flags.length).toBeGreaterThan(10);
    const help = parseCommand(['serve', '--help']);
    if (help.command !== 'help') throw new Error('serve --help did not give help');
    for (const flag of flags) expect(help.text, flag).toMatch(new RegExp(`^ +${flag} `, 'm'));
  });

  for (const { path, block } of shown) {
    it(`shows ${path} exactly as the integration tests use it`, () => {
      expect(block.trim()).toBe(readFileSync(new URL(path, root), 'utf8').trim());
    });
  }
});
