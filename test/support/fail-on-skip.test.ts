import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const config = fileURLToPath(new URL('./fixtures/fail-on-skip.config.ts', import.meta.url));

function runFixture(ci: boolean) {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: ci ? 'true' : '' };
  delete env.VITEST;
  delete env.VITEST_MODE;
  return spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', config], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('the skip reporter', () => {
  it('fails a run with a skipped test when CI is set, naming the test', () => {
    const result = runFixture(true);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('skipped: ');
    expect(result.stderr).toContain('is skipped because its server is missing');
  });

  it('lets the same run pass locally, where a skip only says why', () => {
    const result = runFixture(false);
    expect(result.status).toBe(0);
  });
});
