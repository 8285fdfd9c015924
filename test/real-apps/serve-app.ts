/**
 * Runs one real app under one server, in a process of its own as its users run it (servers that
 * replace globals, as @hono/node-server and fastcgi-fetch do, must not meet the other's app).
 *
 * argv: <app> <server> [unix socket path]
 *   app:    hono | itty | yoga | server-adapter
 *   server: own              the app's usual Node server, on a free loopback port
 *           fastcgi          fastcgi-fetch's serve() on the socket path (light global classes)
 *           fastcgi-platform the same with overrideGlobalObjects: false
 * Prints `LISTENING <json address>` once it accepts connections.
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

const [appName, serverName, socketPath] = process.argv.slice(2);

/** The app's module: its default export is not awaited (an itty router answers `then` too). */
async function loadApp(): Promise<{ default: unknown }> {
  switch (appName) {
    case 'hono':
      return import('./apps/hono-app.js');
    case 'itty':
      return import('./apps/itty-app.js');
    case 'yoga':
      return import('./apps/yoga-app.js');
    case 'server-adapter':
      return import('./apps/server-adapter-app.js');
    default:
      throw new Error(`unknown app ${appName}`);
  }
}

function announce(address: unknown): void {
  process.stdout.write(`LISTENING ${JSON.stringify(address)}\n`);
}

function listenNode(listener: RequestListener): void {
  const server = createServer(listener);
  server.listen(0, '127.0.0.1', () => announce({ port: (server.address() as AddressInfo).port }));
}

/** Each app under the server its own documentation shows for Node. */
async function serveOwn(app: unknown): Promise<void> {
  switch (appName) {
    case 'hono': {
      const { serve: serveNode } = await import('@hono/node-server');
      const hono = app as { fetch: (request: Request) => Response | Promise<Response> };
      serveNode({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }, (info) => announce({ port: info.port }));
      return;
    }
    case 'itty': {
      // itty's guide for Node: the router's fetch in an @whatwg-node/server adapter on node:http.
      const { createServerAdapter } = await import('@whatwg-node/server');
      const router = app as { fetch: (request: Request) => Promise<Response> };
      listenNode(createServerAdapter(router.fetch));
      return;
    }
    default:
      // Yoga and createServerAdapter apps are node:http request listeners themselves.
      listenNode(app as RequestListener);
  }
}

async function main(): Promise<void> {
  const app = (await loadApp()).default;
  if (serverName === 'own') return serveOwn(app);
  if (serverName !== 'fastcgi' && serverName !== 'fastcgi-platform') throw new Error(`unknown server ${serverName}`);
  if (!socketPath) throw new Error('a unix socket path is needed');
  // Imported only here: the own-server processes must not load fastcgi-fetch at all.
  const { serve } = await import('../../src/index.js');
  const server = await serve(app as Parameters<typeof serve>[0], {
    path: socketPath,
    socketMode: 0o666,
    overrideGlobalObjects: serverName === 'fastcgi',
  }).ready();
  announce(server.address);
}

process.once('SIGTERM', () => process.exit(0));
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
