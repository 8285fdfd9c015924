/**
 * The engine's own cost, without sockets or nginx: requests fed to a real Connection over an
 * in-memory transport, through the same application wiring serve() uses (light globals
 * included). 32 requests in flight on one connection; the figure includes the client side's
 * record decoding (small).
 */
import { AnswerReader, MemoryTransport, cgiParams, requestRecords } from '../test/support/fastcgi-peer.js';
import { fmt } from './lib/stats.js';
import { app } from './apps/hono-app.js';
import type { FetchHandler } from '../src/types.js';

// The built package, as the socket targets run it (without tsx's per-function name helpers); the
// path is computed so that type-checking does not need dist/.
const applicationModule = new URL('../dist/src/server/application.js', import.meta.url).href;
const { createApplication } = (await import(applicationModule)) as typeof import('../src/server/application.js');

const IN_FLIGHT = 32;

interface Figure {
  requests: number;
  perSecond: number;
  perCore: number;
}

async function measure(fetch: FetchHandler, seconds: number): Promise<Figure> {
  const requests = Array.from({ length: IN_FLIGHT + 1 }, (_, id) => requestRecords(id, cgiParams('GET', '/hello'), undefined, { keepConn: true }));
  let completed = 0;
  let stopAt = Number.POSITIVE_INFINITY;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  let inFlight = 0;
  const reader = new AnswerReader({
    keepBodies: false,
    onEnd(id) {
      completed++;
      inFlight--;
      if (performance.now() < stopAt) {
        inFlight++;
        // The id is reusable only once the engine has finished it, right after this write.
        queueMicrotask(() => connection.receive(requests[id]!));
      } else if (inFlight === 0) finish();
    },
  });
  const application = createApplication(fetch, { maxRequests: IN_FLIGHT * 2, log: () => {} });
  const connection = application.attach(
    new MemoryTransport((chunks) => {
      for (const chunk of chunks) reader.push(chunk);
    }),
  );

  // Warm-up for a second, then measure.
  stopAt = performance.now() + 1000;
  for (let id = 1; id <= IN_FLIGHT; id++, inFlight++) connection.receive(requests[id]!);
  await done;
  const warm = new Promise<void>((resolve) => (finish = resolve));
  completed = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  stopAt = started + seconds * 1000;
  for (let id = 1; id <= IN_FLIGHT; id++, inFlight++) connection.receive(requests[id]!);
  await warm;
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { requests: completed, perSecond: completed / wall, perCore: completed / cpuSeconds };
}

/** Markdown lines: the bench's Hono app, and a bare fetch handler. */
export async function measureInProcess(seconds: number): Promise<string> {
  const hello: FetchHandler = () => new Response('Hello, world!', { headers: { 'content-type': 'text/plain; charset=UTF-8' } });
  const lines: string[] = [];
  for (const [name, fetch] of [
    ['Hono app, GET /hello', app.fetch as FetchHandler],
    ['bare `() => new Response("Hello, world!")`', hello],
  ] as const) {
    const figure = await measure(fetch, seconds);
    lines.push(`- ${name}: ${fmt(figure.perSecond)} req/s, **${fmt(figure.perCore)} req/s per core** (${fmt(figure.requests)} requests in ${seconds} s)`);
    process.stdout.write(`${lines.at(-1)}\n`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await measureInProcess(Number(process.env.BENCH_SECONDS ?? 5));
}
