/**
 * A vitest reporter that turns the integration suites' fragments into COMPATIBILITY.md once the
 * whole run is over. It clears the fragments when a run starts, so the table only ever comes
 * from one run; a partial run (one file, a filter, a server missing) leaves the committed table
 * as it is. On CI (`CI` set) it writes nothing: a complete run whose table differs from the
 * committed one fails, so a stale table cannot stay in the repository.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Reporter, TestRunEndReason } from 'vitest/node';
import { incompleteness, renderTable, RESULTS_DIR, TABLE_FILE } from './compatibility.js';

/** What became of the table at the end of a run. */
export type TableOutcome =
  | { table: 'not-run' }
  | { table: 'incomplete'; reason: string }
  | { table: 'written' | 'unchanged' }
  | { table: 'stale'; expected: string };

/**
 * Settles the table from the fragments in `dir`: writes `file` when they are complete (or, with
 * `ci`, only compares). Does nothing when no integration file ran.
 */
export function settleTable(dir: string, file: string, ci: boolean): TableOutcome {
  if (!existsSync(dir)) return { table: 'not-run' };
  const reason = incompleteness(dir);
  if (reason !== undefined) return { table: 'incomplete', reason };
  const table = renderTable(dir);
  const committed = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (table === committed) return { table: 'unchanged' };
  if (ci) return { table: 'stale', expected: table };
  writeFileSync(file, table);
  return { table: 'written' };
}

export default class CompatibilityTable implements Reporter {
  private readonly dir: string;
  private readonly file: string;
  /** vitest passes the reporter's options (none in the config); a test passes its own paths. */
  constructor(paths: { dir?: string; file?: string } = {}) {
    this.dir = paths.dir ?? RESULTS_DIR;
    this.file = paths.file ?? TABLE_FILE;
  }

  onTestRunStart(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  onTestRunEnd(_modules: unknown, _errors: unknown, reason: TestRunEndReason): void {
    if (reason === 'interrupted') return;
    const outcome = settleTable(this.dir, this.file, Boolean(process.env.CI));
    const name = relative(process.cwd(), this.file);
    if (outcome.table === 'incomplete') console.warn(`\n${name} left as committed (a partial run): ${outcome.reason}`);
    else if (outcome.table === 'written') console.warn(`\n${name} updated from this run: review and commit it`);
    else if (outcome.table === 'stale') {
      console.error(
        `\n${name} differs from what this run measured: run the full suite locally and commit the table it writes. This run measured:\n${outcome.expected}`,
      );
      process.exitCode = 1;
    }
  }
}
