import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
  dependencies?: Record<string, string>;
};

// `npm test` builds first, so dist/ is what would be published.
describe('the package', () => {
  it('has no runtime dependencies', () => {
    expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
  });

  for (const [entry, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    it(`builds the "${entry}" entry with its types`, async () => {
      expect(existsSync(new URL(target.default, root))).toBe(true);
      expect(existsSync(new URL(target.types, root))).toBe(true);
      const module = (await import(new URL(target.default, root).href)) as Record<string, unknown>;
      expect(Object.keys(module).length).toBeGreaterThan(0);
    });
  }
});
