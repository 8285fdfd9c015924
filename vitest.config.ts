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
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
