import type { App, FetchHandler } from '../types.js';

/** The parts of an @whatwg-node/server adapter this module relies on. */
interface ServerAdapterLike {
  handleRequest(request: Request, context: unknown): Response | Promise<Response>;
  handleNodeRequestAndResponse: unknown;
}

/** `in`, not a property read: itty-router's proxy makes up a function for any name read. */
function isServerAdapter(app: unknown): app is ServerAdapterLike {
  return (
    (typeof app === 'function' || (typeof app === 'object' && app !== null)) &&
    'handleNodeRequestAndResponse' in app &&
    'handleRequest' in app &&
    typeof (app as ServerAdapterLike).handleRequest === 'function'
  );
}

/** The fetch handler of a function or of an object with a `fetch` method. */
export function toHandler(app: App): FetchHandler {
  // Given two context arguments, an @whatwg-node/server adapter merges them into a new object by
  // copying own properties, which loses the context's getters; given one, it derives from it.
  if (isServerAdapter(app)) return (request, context) => app.handleRequest(request, context);
  if (typeof app === 'function') return app;
  if (app && typeof app.fetch === 'function') return app.fetch.bind(app) as FetchHandler;
  throw new TypeError('a fetch handler is needed: a function, or an object with a fetch method');
}
