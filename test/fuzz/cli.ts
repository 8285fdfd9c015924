/**
 * `npm run fuzz [-- --streams N] [--seconds S] [--seed X]`: feeds the engine generated and
 * mutated record streams (default 1,000,000) and fails on an uncaught exception, a hang, a
 * request left open, undecodable output, or heap growth. Run with --expose-gc (the npm script does).
 */
import { parseArgs } from 'node:util';
import { HEAP_GROWTH_LIMIT, runFuzz, runStream } from './run-fuzz.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: process.env.FUZZ_STREAMS ?? '1000000' },
    seconds: { type: 'string', default: process.env.FUZZ_SECONDS },
    seed: { type: 'string', default: process.env.FUZZ_SEED ?? String(Date.now() % 1_000_000) },
    /** Runs the one stream a failure names ("seed N: ...") and prints its outcome. */
    replay: { type: 'string' },
  },
});

if (values.replay !== undefined) {
  const failure = await runStream(Number(values.replay), 2000);
  process.stdout.write(`${failure ?? `stream ${values.replay}: ok`}\n`);
  process.exit(failure === undefined ? 0 : 1);
}

const streams = Number(values.streams);
const seed = Number(values.seed);
process.stdout.write(`fuzz: up to ${streams.toLocaleString('en-US')} streams${values.seconds ? ` or ${values.seconds} s` : ''}, seed ${seed}\n`);
const report = await runFuzz({
  streams,
  ...(values.seconds ? { seconds: Number(values.seconds) } : {}),
  seed,
  onProgress: (done) => {
    if (done % 100_000 === 0) process.stdout.write(`  ${done.toLocaleString('en-US')} streams\n`);
  },
});
const mib = (bytes: number | undefined) => (bytes === undefined ? '?' : (bytes / 1024 / 1024).toFixed(1));
const growth = report.heapBefore !== undefined && report.heapAfter !== undefined ? report.heapAfter - report.heapBefore : undefined;
process.stdout.write(
  `fuzz: ${report.streams.toLocaleString('en-US')} streams, ${report.requestsStarted.toLocaleString('en-US')} requests started, ` +
    `${report.seconds.toFixed(1)} s (${Math.round(report.streams / report.seconds).toLocaleString('en-US')} streams/s); ` +
    `heap after GC ${mib(report.heapBefore)} → ${mib(report.heapAfter)} MiB\n`,
);
if (growth === undefined) process.stdout.write('fuzz: heap not checked (run node with --expose-gc)\n');
const failures = [...report.failures];
if (growth !== undefined && growth > HEAP_GROWTH_LIMIT) failures.push(`heap grew by ${mib(growth)} MiB`);
for (const failure of failures) process.stdout.write(`FAIL ${failure}\n`);
process.stdout.write(failures.length === 0 ? 'fuzz: ok\n' : `fuzz: ${failures.length} failure(s); rerun with --seed ${seed}\n`);
process.exitCode = failures.length === 0 ? 0 : 1;
