import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CompatibilityRecorder, FRAGMENTS } from './compatibility.js';
import CompatibilityTable, { settleTable } from './compatibility-reporter.js';

const COMMITTED = '<!-- the committed table -->\n';
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fragments folder and a committed table in a fresh temporary folder. */
function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'compat-'));
  dirs.push(root);
  const file = join(root, 'COMPATIBILITY.md');
  writeFileSync(file, COMMITTED);
  return { dir: join(root, 'results'), file };
}

/** What each test file records in a run where everything ran and passed. */
function recordAll(dir: string, except: string[] = []): Record<string, CompatibilityRecorder> {
  const recorders = Object.fromEntries(FRAGMENTS.map((name) => [name, new CompatibilityRecorder(name, dir)]));
  recorders.servers!.expect('nginx', 'url');
  recorders.servers!.record('nginx', 'url', 'yes');
  recorders.servers!.measured('nginx', 'a measured fact');
  recorders.servers!.note('nginx', 'a fact seen by hand');
  recorders.cgi!.expect('Apache mod_cgid', 'cgi');
  recorders.cgi!.record('Apache mod_cgid', 'cgi', 'yes');
  recorders['body-failure']!.expect('nginx', 'bodyFailure');
  recorders['body-failure']!.record('nginx', 'bodyFailure', 'no');
  recorders.roles!.expect('raw client', 'filter');
  recorders.roles!.record('raw client', 'filter', 'yes');
  for (const [name, recorder] of Object.entries(recorders)) if (!except.includes(name)) recorder.write();
  return recorders;
}

describe('COMPATIBILITY.md', () => {
  it('is left as committed when a test file did not run (one file run alone)', () => {
    const { dir, file } = workspace();
    recordAll(dir, ['cgi', 'roles', 'body-failure']);
    expect(settleTable(dir, file, false)).toEqual({ table: 'incomplete', reason: 'no results from body-failure.test.ts, cgi.test.ts, roles.test.ts' });
    expect(readFileSync(file, 'utf8')).toBe(COMMITTED);
  });

  it('is left as committed when a declared test never recorded: its server missing, or filtered out', () => {
    const { dir, file } = workspace();
    const recorders = recordAll(dir);
    // servers.test.ts with nginx missing: its suites are declared, skipped, and record nothing.
    recorders.servers!.expect('nginx', 'prefix');
    recorders.servers!.write();
    expect(settleTable(dir, file, false)).toEqual({ table: 'incomplete', reason: 'not run: nginx: prefix (servers.test.ts)' });
    expect(readFileSync(file, 'utf8')).toBe(COMMITTED);
  });

  it('is written from a complete run, notes not measured marked as such', () => {
    const { dir, file } = workspace();
    recordAll(dir);
    expect(settleTable(dir, file, false)).toEqual({ table: 'written' });
    const table = readFileSync(file, 'utf8');
    expect(table).toContain(
      '| server | public URL (path, %-escapes, UTF-8, query, host:port) | body failing mid-way reaches the browser as an error | Filter role (DATA stream) | CGI mode |\n',
    );
    expect(table).toContain('| nginx | ✅ | ❌ | – | – |\n| Apache mod_cgid | – | – | – | ✅ |\n| raw client | – | – | ✅ | – |\n');
    expect(table).toContain('- **nginx**: a measured fact; _note, not measured:_ a fact seen by hand\n');
    expect(settleTable(dir, file, false)).toEqual({ table: 'unchanged' });
  });

  it('on CI, is compared and never written: a table that differs from the run is stale', () => {
    const { dir, file } = workspace();
    recordAll(dir);
    const outcome = settleTable(dir, file, true);
    expect(outcome).toMatchObject({ table: 'stale', expected: expect.stringContaining('| nginx | ✅ |') });
    expect(readFileSync(file, 'utf8')).toBe(COMMITTED);
    writeFileSync(file, (outcome as { expected: string }).expected);
    expect(settleTable(dir, file, true)).toEqual({ table: 'unchanged' });
  });

  it('fails the run on CI through the reporter when the table is stale, and clears old fragments when a run starts', () => {
    const { dir, file } = workspace();
    recordAll(dir);
    const reporter = new CompatibilityTable({ dir, file });
    const [ci, exitCode] = [process.env.CI, process.exitCode];
    process.env.CI = 'true';
    try {
      reporter.onTestRunEnd([], [], 'passed');
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = exitCode;
      if (ci === undefined) delete process.env.CI;
      else process.env.CI = ci;
    }
    reporter.onTestRunStart();
    expect(existsSync(dir)).toBe(false);
    expect(settleTable(dir, file, false)).toEqual({ table: 'not-run' });
  });

  it('expects a fragment from exactly the test files that record results', () => {
    const here = new URL('.', import.meta.url);
    const recording = readdirSync(here)
      .filter((name) => name.endsWith('.test.ts'))
      .flatMap((name) => [...readFileSync(new URL(name, here), 'utf8').matchAll(/new CompatibilityRecorder\('([\w-]+)'\)/g)].map((m) => m[1]!));
    expect(recording.sort()).toEqual([...FRAGMENTS].sort());
  });
});
