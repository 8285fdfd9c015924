import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const file = fileURLToPath(new URL('../../test/support/fixtures/app.node-test.ts', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

it('works under node:test too (node --import tsx --test)', async () => {
  const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
  expect(result.output).toMatch(/# pass 2/);
  expect(result.output).toMatch(/# fail 0/);
  expect(result.code).toBe(0);
});
