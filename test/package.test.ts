import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packPackage, ROOT, run } from './pack-package.js';

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

describe('the packed tarball', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fcgi-pack-'));
  let tarball: string;
  beforeAll(async () => {
    tarball = await packPackage(dir);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

  // ESM only, by design (one copy of the classes, no dual-package hazard): a CommonJS consumer
  // imports it with import(), or require() on Node >= 20.19 / 22.12. So a require resolving to
  // ESM is expected; every other check, types under moduleResolution "node" (node10) included,
  // must pass for every entry point.
  it('has types that resolve for node10, node16 (from CJS and ESM) and bundler: @arethetypeswrong/cli', async () => {
    const report = await run(
      bin('attw'),
      [tarball, '--ignore-rules', 'cjs-resolves-to-esm', '--no-definitely-typed', '--format', 'table-flipped', '--no-color'],
      ROOT,
    ).catch((error: Error) => error.message);
    expect(report).toContain('No problems found');
  }, 60_000);

  it('passes publint, warnings included', async () => {
    const report = await run(bin('publint'), ['run', tarball, '--strict'], ROOT).catch((error: Error) => error.message);
    expect(report).toContain('All good!');
  }, 60_000);
});
