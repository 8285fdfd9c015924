import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = fileURLToPath(new URL('./src/', import.meta.url));
const adapters = fileURLToPath(new URL('./adapters/', import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^fastcgi-fetch$/, replacement: `${src}index.ts` },
      { find: /^fastcgi-fetch\/adapters\/(.*)$/, replacement: `${adapters}$1.ts` },
      { find: /^fastcgi-fetch\/(.*)$/, replacement: `${src}$1.ts` },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'adapters/**/*.test.ts', 'examples/**/*.test.ts', 'test/**/*.test.ts'],
    // A skip fails the run on CI (see the reporter); a complete run writes (on CI: checks) COMPATIBILITY.md.
    reporters: ['default', './test/support/fail-on-skip.ts', './test/integration/compatibility-reporter.ts'],
    // Type tests (test/types/*.test-d.ts) are compiled with tsc, never run: a wrong type fails the run.
    typecheck: {
      enabled: true,
      include: ['test/types/**/*.test-d.ts'],
      tsconfig: './test/types/tsconfig.json',
    },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
