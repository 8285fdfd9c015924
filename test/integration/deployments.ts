/**
 * Ways to put the fixture app behind a web server: served by this test process (unix or tcp),
 * or spawned by the web server itself from fixture-entry.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serve, type FastCGIServer } from 'fastcgi-fetch';
import type { SpawnedApp, Upstream, WebServer } from '../servers/web-server.js';
import { createFixtureApp, type FixtureProbe } from './fixture-app.js';
import { localProbeControl, startProbeControl, type ProbeControl } from './remote-probe.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The fixture app behind a running web server. */
export interface Deployment {
  server: WebServer;
  /** Origin plus mount point, no trailing slash: http://127.0.0.1:PORT or http://127.0.0.1:PORT/app */
  base: string;
  control: ProbeControl;
  /** The in-process app (undefined when the web server spawned it). */
  app: FastCGIServer | undefined;
  /** Lines "<pid> listening|exit SIGTERM|cgi-done" written by spawned apps. */
  exitLog(): string[];
  stop(): Promise<void>;
}

/** Mount point → URL path prefix: '/' → '', '/app/' → '/app'. */
function mountPath(prefix: string): string {
  return prefix.replace(/\/$/, '');
}

/** Serves the fixture app from this process on a unix socket or TCP, then starts the server. */
export async function inProcess(transport: 'unix' | 'tcp', prefix: string, startServer: (upstream: Upstream) => Promise<WebServer>): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), 'fcgi-it-'));
  const probe: FixtureProbe = {};
  const options = transport === 'unix' ? { path: join(dir, 'app.sock'), socketMode: 0o666 } : { port: 0 };
  const app = await serve(createFixtureApp(probe), { ...options, onError: () => {} }).ready();
  const address = app.address!;
  const upstream: Upstream = address.type === 'unix' ? { path: address.path } : { host: '127.0.0.1', port: (address as { port: number }).port };
  let server: WebServer;
  try {
    server = await startServer(upstream);
  } catch (error) {
    await app.close({ timeout: 100 });
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    server,
    base: server.url + mountPath(prefix),
    control: localProbeControl(probe),
    app,
    exitLog: () => [],
    async stop() {
      await server.stop();
      await app.close({ timeout: 1000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The command line a web server runs for the fixture: node + tsx + fixture-entry.ts. */
export function fixtureCommand(env: Record<string, string>): SpawnedApp {
  const loader = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  return {
    command: [process.execPath, '--import', loader, join(ROOT, 'test/integration/fixture-entry.ts')],
    env: { TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'), ...env },
  };
}

/** The web server starts the fixture itself (fd 0 listener, or CGI). */
export async function spawned(prefix: string, startServer: (app: SpawnedApp) => Promise<WebServer>, env: Record<string, string> = {}): Promise<Deployment> {
  const dir = mkdtempSync(join(tmpdir(), 'fcgi-it-spawn-'));
  const control = await startProbeControl(join(dir, 'control.sock'));
  const exitLog = join(dir, 'exit.log');
  let server: WebServer;
  try {
    server = await startServer(fixtureCommand({ FIXTURE_CONTROL: join(dir, 'control.sock'), FIXTURE_EXIT_LOG: exitLog, ...env }));
  } catch (error) {
    await control.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    server,
    base: server.url + mountPath(prefix),
    control,
    app: undefined,
    exitLog: () => {
      try {
        return readFileSync(exitLog, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    async stop() {
      await server.stop();
      await control.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
