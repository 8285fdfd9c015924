/**
 * Preloaded (--import) into the app's process by `fastcgi-fetch dev`: reports what the app is
 * made of to the dev front over IPC, so that it restarts the app when one of those files changes
 * and never because of a file the app writes. ES modules are seen through resolve hooks as they
 * load; CommonJS files (`require`, which those hooks do not see on Node 20) are listed on request.
 */
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import type { DevChildMessage, DevFrontMessage } from './dev-messages.js';

const send = (message: DevChildMessage) => process.send?.(message);

if (process.send && typeof register === 'function') {
  const { port1, port2 } = new MessageChannel();
  let edges: Array<[string | null, string]> = [];
  const flush = () => {
    if (edges.length) send({ type: 'dev-modules', edges });
    edges = [];
  };
  port1.on('message', (edge: [string | null, string]) => {
    if (edges.push(edge) === 1) setImmediate(flush);
  });
  port1.unref();
  const hooks = new URL(`./dev-import-hooks${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  register(hooks, { data: { port: port2 }, transferList: [port2] });
  process.on('message', (message: DevFrontMessage) => {
    if (message?.type !== 'dev-files?') return;
    flush();
    send({ type: 'dev-required', files: Object.keys(createRequire(import.meta.url).cache) });
  });
  process.channel?.unref();
}
