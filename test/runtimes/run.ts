/**
 * `npm run runtimes`: the conformance subset on Node 20, 22, 24, Bun and Deno, printed as a
 * markdown table. Installs the missing runtimes from the npm registry into
 * node_modules/.cache/runtimes and builds dist/ if it is older than src/.
 * Env: RUNTIMES=node22,bun (ids to run; default all). Exits 1 if any cell fails.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, runConformance, startNodeServer, CHECKS, type Check, type Row } from './conformance.js';
import { ensureInstalled, versionOf, ROOT, RUNTIMES } from './runtimes.js';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Every runtime runs the same JavaScript: dist/, rebuilt when src/ is newer. */
export function ensureBuilt(): void {
  const built = path.join(ROOT, 'dist/src/index.js');
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= newestMtime(path.join(ROOT, 'src'))) return;
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
}

/** Runs every selected runtime in turn (they share the 2 cores badly). */
export async function runAll(ids: readonly string[] = []): Promise<Row[]> {
  ensureBuilt();
  const selected = RUNTIMES.filter((runtime) => ids.length === 0 || ids.includes(runtime.id));
  const node = RUNTIMES[0]!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcgi-runtimes-'));
  const nodeServer = await startNodeServer(node, dir);
  const rows: Row[] = [];
  try {
    for (const runtime of selected) {
      let version: string;
      try {
        ensureInstalled(runtime);
        version = versionOf(runtime);
      } catch (error) {
        const reason = `fail: ${error instanceof Error ? error.message : String(error)}`;
        rows.push({ runtime, version: '?', cells: Object.fromEntries(CHECKS.map((check) => [check, reason])) as Record<Check, string> });
        continue;
      }
      rows.push(await runConformance(runtime, version, node, nodeServer));
    }
  } finally {
    await nodeServer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ids = (process.env.RUNTIMES ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const rows = await runAll(ids);
  console.log(formatTable(rows));
  process.exitCode = rows.every((row) => CHECKS.every((check) => row.cells[check] === 'pass')) ? 0 : 1;
}
