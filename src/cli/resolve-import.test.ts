import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveImport } from './resolve-import.js';

const project = fs.mkdtempSync(path.join(os.tmpdir(), 'resolve-import-'));
const app = path.join(project, 'src', 'app.js');
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

function install(name: string, manifest: object, under = project): string {
  const dir = path.join(under, 'node_modules', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest));
  return dir;
}

describe('resolveImport', () => {
  const dual = install('dual', {
    exports: {
      '.': './main.js',
      './api': { require: { types: './api.d.cts', default: './api.cjs' }, import: { types: './api.d.mts', default: './api.mjs' } },
      './node-first': { node: './node.js', import: './import.js' },
      './fallback': [{ worker: './worker.js' }, './plain.js'],
    },
  });

  it('picks the "import" condition of a dual package, where require.resolve picks "require"', () => {
    expect(resolveImport('dual', './api', app)).toBe(path.join(dual, 'api.mjs'));
  });

  it('tries conditions in the order the package lists them', () => {
    expect(resolveImport('dual', './node-first', app)).toBe(path.join(dual, 'node.js'));
  });

  it('takes the first array entry that matches a condition', () => {
    expect(resolveImport('dual', './fallback', app)).toBe(path.join(dual, 'plain.js'));
  });

  it('resolves the main entry from exports, or from "main" without exports', () => {
    expect(resolveImport('dual', '.', app)).toBe(path.join(dual, 'main.js'));
    const old = install('old', { main: 'lib/index.js' });
    expect(resolveImport('old', '.', app)).toBe(path.join(old, 'lib/index.js'));
  });

  it('answers undefined for a package that is not installed, or a subpath it does not export', () => {
    expect(resolveImport('absent', './api', app)).toBeUndefined();
    expect(resolveImport('dual', './nothing', app)).toBeUndefined();
  });

  it('uses the nearest installed copy, as Node does', () => {
    const nested = install('dual', { exports: { './api': './nested.js' } }, path.join(project, 'src'));
    expect(resolveImport('dual', './api', app)).toBe(path.join(nested, 'nested.js'));
    fs.rmSync(path.join(project, 'src', 'node_modules'), { recursive: true });
  });
});
