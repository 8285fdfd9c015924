/**
 * The platform oracle (test/support/suites/platform-oracle-suite.ts, both global modes) run on
 * Bun or Deno against that runtime's own `Response` (and on Deno, where handlers get the light
 * Request, its `Request`): the light classes are used there too, so they must behave as theirs.
 * Bun's test runner takes the suite's vitest imports as its own; Deno runs vitest itself. Both
 * run the sources, as the Node run does.
 */
import { spawnSync } from 'node:child_process';
import { ensureInstalled, ROOT, runtimeEnv, type Runtime } from './runtimes.js';

const FILES = ['./src/fetch/platform-oracle.test.ts', './src/fetch/platform-oracle.light.test.ts'];

/** The command that runs the oracle's files on `runtime` (Bun or Deno). */
function oracleCommand(runtime: Runtime): string[] {
  if (runtime.transport === 'bun') return [runtime.bin, 'test', ...FILES];
  return [runtime.bin, ...runtime.prefix, 'node_modules/vitest/vitest.mjs', 'run', ...FILES];
}

/** Passed and run counts from either runner's summary, or undefined when it printed none. */
function counts(output: string): { passed: number; total: number } | undefined {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  const vitest = /^\s*Tests\s+(.*)\((\d+)\)$/m.exec(plain);
  if (vitest) return { passed: Number(/(\d+) passed/.exec(vitest[1]!)?.[1] ?? 0), total: Number(vitest[2]) };
  const bunPassed = /^\s*(\d+) pass$/m.exec(plain);
  const bunTotal = /^Ran (\d+) tests? across/m.exec(plain);
  if (bunPassed && bunTotal) return { passed: Number(bunPassed[1]), total: Number(bunTotal[1]) };
  return undefined;
}

/** 'pass' when every oracle test ran and passed on `runtime`, else 'fail: ' and the output's end. */
export function runPlatformOracle(runtime: Runtime): string {
  ensureInstalled(runtime);
  const [bin, ...args] = oracleCommand(runtime);
  const result = spawnSync(bin!, args, { cwd: ROOT, env: runtimeEnv(), encoding: 'utf8', timeout: 600_000 });
  const output = `${result.stdout}${result.stderr}`;
  const found = counts(output);
  if (result.status === 0 && found !== undefined && found.total > 0 && found.passed === found.total) return 'pass';
  return `fail: exit ${result.status ?? result.signal}, ${found ? `${found.passed} of ${found.total} passed` : 'no summary'}\n${output.slice(-4000)}`;
}
