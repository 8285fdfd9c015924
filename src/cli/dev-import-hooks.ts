/**
 * Module hooks (node:module register) in the app's process under `fastcgi-fetch dev`: every
 * import that resolves to a file is posted as an edge [importer URL, imported URL], so the dev
 * front learns the app's module graph. Runs on Node's hooks thread.
 */
import type { InitializeHook, ResolveHook } from 'node:module';
import type { MessagePort } from 'node:worker_threads';

let port: MessagePort | undefined;

export const initialize: InitializeHook<{ port: MessagePort }> = (data) => {
  port = data.port;
  port.unref();
};

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const result = await nextResolve(specifier, context);
  if (result.url.startsWith('file:')) port?.postMessage([context.parentURL ?? null, result.url]);
  return result;
};
