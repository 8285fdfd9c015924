import { createClientOver, type ClientOptions, type FastCGIClient } from '../client/client.js';
import type { App } from '../types.js';
import { createApplication } from '../server/application.js';
import type { ApplicationOptions } from '../server/options.js';
import { createMemoryPipe, type PipeOptions } from './memory-pipe.js';

/** Client options, application options and pipe options in one bag. */
export interface TestClientOptions extends ClientOptions, ApplicationOptions, PipeOptions {}

/** A {@link FastCGIClient} wired in memory to a real engine serving the app. */
export interface TestClient extends FastCGIClient {
  /** Resolves once every handler and `waitUntil` promise has settled. */
  settled(): Promise<void>;
  /** Closes the client's connections, then waits for the app's handlers and `waitUntil` work. */
  close(options?: { force?: boolean }): Promise<void>;
  /** Requests the app is running now. */
  readonly activeRequests: number;
}

/**
 * Runs `app` behind the real FastCGI engine and talks to it with the real client, over an
 * in-memory pipe: records are encoded, split, decoded and answered as over a socket.
 *
 * Defaults match nginx with `fastcgi_keep_conn on`: request id 1, one request per connection
 * at a time, connections reused. `multiplex: true` sends many requests over one connection
 * (as HAProxy can); `keepConn: false` uses a connection per request.
 *
 * @example
 * const client = createTestClient(app);
 * const response = await client.fetch('/hello');
 */
export function createTestClient(app: App, options: TestClientOptions = {}): TestClient {
  const application = createApplication(app, options);
  const client = createClientOver(
    async (peer) => {
      const [clientEnd, appEnd] = createMemoryPipe(options);
      const connection = application.attach(appEnd);
      appEnd.connect(connection);
      clientEnd.connect(peer);
      return clientEnd;
    },
    { multiplex: false, ...options },
  );
  return {
    fetch: client.fetch,
    request: client.request,
    getValues: client.getValues,
    get stats() {
      return client.stats;
    },
    get activeRequests() {
      return application.activeRequests;
    },
    settled: () => application.settled(),
    async close(closeOptions) {
      await client.close(closeOptions);
      await application.settled();
    },
  };
}
