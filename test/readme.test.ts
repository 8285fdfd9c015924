import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

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

  for (const { path, block } of shown) {
    it(`shows ${path} exactly as the integration tests use it`, () => {
      expect(block.trim()).toBe(readFileSync(new URL(path, root), 'utf8').trim());
    });
  }
});
