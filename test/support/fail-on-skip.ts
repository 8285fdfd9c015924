/**
 * A vitest reporter that turns every skipped test into a failure when `CI` is set. Locally a
 * suite whose server is not installed skips and says why; on CI a skip means `.ci/run` missed an
 * install step, and a green run would hide that the suite never ran.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class FailOnSkipInCI implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (!process.env.CI) return;
    const skipped: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        if (test.result().state === 'skipped') skipped.push(`${module.moduleId}: ${test.fullName}`);
      }
    }
    if (skipped.length === 0) return;
    console.error(`\n${skipped.length} test(s) skipped with CI set — a skip on CI is a failure (is an install step missing from .ci/run?):`);
    for (const line of skipped) console.error(`  skipped: ${line}`);
    process.exitCode = 1;
  }
}
