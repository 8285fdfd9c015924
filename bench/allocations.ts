/**
 * Bytes the engine allocates per request, by allocating function: requests fed to a real
 * Connection in process (the built package, as serve() wires it), under V8's sampling heap
 * profiler with collected objects included. `KEEP=1`: one kept connection; otherwise a
 * connection per request. `BARE=1`: a bare handler instead of the bench's Hono app.
 * Run: `npm run build && KEEP=1 npx tsx bench/allocations.ts`.
 */
import inspector from 'node:inspector/promises';
import { MemoryTransport, cgiParams, requestRecords } from '../test/support/fastcgi-peer.js';
import { app } from './apps/hono-app.js';
const mod = new URL('../dist/src/server/application.js', import.meta.url).href;
const { createApplication } = (await import(mod)) as typeof import('../src/server/application.js');
const bare = () => new Response('Hello, world!', { headers: { 'content-type': 'text/plain; charset=UTF-8' } });
const application = createApplication(process.env.BARE ? bare : app, { log: () => {} });
const keepConn = process.env.KEEP === '1';
const request = requestRecords(1, cgiParams('GET', '/hello'), undefined, { keepConn });
const keep = keepConn ? application.attach(new MemoryTransport()) : undefined;
function one() {
  const connection = keep ?? application.attach(new MemoryTransport());
  connection.receive(request);
  if (!keep) connection.closed();
}
for (let i = 0; i < 50000; i++) one();
const session = new inspector.Session();
session.connect();
// The two include flags are V8's (Node's typings lag behind them).
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 256,
  includeObjectsCollectedByMinorGC: true,
  includeObjectsCollectedByMajorGC: true,
} as inspector.HeapProfiler.StartSamplingParameterType);
const N = 100000;
for (let i = 0; i < N; i++) one();
const { profile } = await session.post('HeapProfiler.stopSampling');
const bySelf = new Map<string, number>();
let total = 0;
function walk(n: inspector.HeapProfiler.SamplingHeapProfileNode, parent: string) {
  const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/.*\//, '')}:${n.callFrame.lineNumber + 1}`;
  const self = n.selfSize ?? 0;
  total += self;
  const k = `${key}  <- ${parent}`;
  if (self) bySelf.set(k, (bySelf.get(k) ?? 0) + self);
  for (const c of n.children ?? []) walk(c, key.split(' ')[0]!);
}
walk(profile.head, '');
console.log(`~${(total / N).toFixed(0)} bytes per request`);
for (const [k, v] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(String(Math.round(v / N)).padStart(6), k);
process.exit(0);
