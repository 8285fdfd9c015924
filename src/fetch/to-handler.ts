import type { App, FetchHandler } from '../types.js';

/** The fetch handler of a function or of an object with a `fetch` method. */
export function toHandler(app: App): FetchHandler {
  if (typeof app === 'function') return app;
  if (app && typeof app.fetch === 'function') return app.fetch.bind(app) as FetchHandler;
  throw new TypeError('a fetch handler is needed: a function, or an object with a fetch method');
}
