import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKS, formatTable, type Row } from './conformance.js';
import { runPlatformOracle } from './platform-oracle.js';
import { runAll } from './run.js';
import { RUNTIMES } from './runtimes.js';

// Installing the runtimes (first run only) and five runtimes in turn take a while.
let rows: Row[] = [];
beforeAll(async () => {
  rows = await runAll();
  console.log(formatTable(rows));
}, 900_000);

describe('the server, the client and the testing entry on every runtime (built dist/)', () => {
  for (const runtime of RUNTIMES) {
    for (const check of CHECKS) {
      it(`${runtime.label} passes "${check}"`, () => {
        const row = rows.find((r) => r.runtime.id === runtime.id);
        expect(row, `${runtime.label} did not run`).toBeDefined();
        expect(row!.cells[check]).toBe('pass');
      });
    }
  }
});

describe("the light Response against Bun's and Deno's own (the platform oracle run there)", () => {
  for (const runtime of RUNTIMES.filter((r) => r.transport !== 'node:net')) {
    it(`${runtime.label} makes and sends every generated Response as its own Response does`, () => {
      expect(runPlatformOracle(runtime)).toBe('pass');
    }, 600_000);
  }
});
