/**
 * Real apps, two servers: each app runs under its usual Node server and under fastcgi-fetch
 * behind a real nginx (in both global modes), the same requests go to both, and the answers
 * must agree but for the differences nginx is declared to make.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx } from '../servers/nginx.js';
import { installed, type WebServer } from '../servers/web-server.js';
import { send, type Observation, type SentRequest } from './client.js';
import { compare, type Known } from './compare.js';
import { NODE_HTTP_REASON_PHRASES } from './own-server-departures.js';
import { startAppProcess, type AppName, type AppProcess, type ServerName } from './processes.js';

/** One request sent to both servers, or a small scenario whose last answer is compared. */
export interface Exchange {
  name: string;
  request?: SentRequest;
  /** Instead of `request`: runs against a server's origin and returns what to compare. */
  run?(origin: string, variant: string): Promise<Observation>;
  /** Differences nginx makes to this exchange, each with its reason. */
  known?: readonly Known[];
  /** Text the app's answer under its own server must hold: proof that the scenario ran at all. */
  ownAnswerHolds?: string;
}

export interface RealAppSuite {
  app: AppName;
  /** Started before the apps, stopped after: e.g. the upstream a proxy route forwards to. */
  setup?(): Promise<{ env: Record<string, string>; teardown(): Promise<void> }>;
  exchanges: readonly Exchange[];
  /**
   * Where the app's own server departs from the platform (fastcgi-fetch follows the platform):
   * applied to every exchange, each with its reason.
   */
  ownServerDepartures?: readonly Known[];
}

/** The two ways fastcgi-fetch runs an app, each behind its own nginx. */
const VARIANTS: ReadonlyArray<{ server: Exclude<ServerName, 'own'>; keepConn: boolean; label: string }> = [
  { server: 'fastcgi', keepConn: true, label: 'light globals, nginx keep-conn' },
  { server: 'fastcgi-platform', keepConn: false, label: 'platform globals, a connection per request' },
];

const hasNginx = installed('nginx');

/** Sends an exchange to one origin; a failed exchange (e.g. a response that does not parse) is an observation too. */
async function observe(exchange: Exchange, origin: string, variant: string): Promise<Observation> {
  try {
    if (exchange.run) return await exchange.run(origin, variant);
    if (!exchange.request) throw new Error(`exchange ${exchange.name} has neither request nor run`);
    return await send(origin, exchange.request);
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { status: 0, statusText: `failed: ${code ? `${code} ` : ''}${(error as Error).message}`, headers: [], body: Buffer.alloc(0) };
  }
}

export function describeRealApp(suite: RealAppSuite): void {
  if (!hasNginx) {
    // In CI a missing web server is a broken setup, not a reason to pass.
    if (process.env.CI) throw new Error('nginx is not installed: the real-apps suite cannot run (apt-get install nginx)');
    console.warn(`skipping the real-apps suite for ${suite.app}: nginx is not installed (apt-get install nginx)`);
  }
  describe.skipIf(!hasNginx)(`${suite.app}: under its own server and under fastcgi-fetch behind nginx`, () => {
    const dir = mkdtempSync(join(tmpdir(), `fcgi-real-${suite.app}-`));
    let teardown: (() => Promise<void>) | undefined;
    let own: AppProcess | undefined;
    let ownOrigin = '';
    const ours = new Map<string, { app: AppProcess; nginx: WebServer }>();
    const started: AppProcess[] = [];
    const nginxes: WebServer[] = [];

    beforeAll(async () => {
      const prepared = await suite.setup?.();
      teardown = prepared?.teardown;
      const env = prepared?.env ?? {};
      const starting = await Promise.allSettled([
        startAppProcess(suite.app, 'own', undefined, env),
        ...VARIANTS.map((v) => startAppProcess(suite.app, v.server, join(dir, `${v.server}.sock`), env)),
      ]);
      const processes = starting.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
      for (const p of processes) if (p) started.push(p);
      const failed = starting.find((s) => s.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      own = processes[0]!;
      ownOrigin = `http://127.0.0.1:${own.address.port}`;
      for (const [i, v] of VARIANTS.entries()) {
        const app = processes[i + 1]!;
        const nginx = await startNginx({ upstream: { path: app.address.path! }, keepConn: v.keepConn });
        nginxes.push(nginx);
        ours.set(v.server, { app, nginx });
      }
    });

    afterAll(async () => {
      await Promise.all(nginxes.map((nginx) => nginx.stop()));
      await Promise.all(started.map((app) => app.stop()));
      await teardown?.();
      rmSync(dir, { recursive: true, force: true });
    });

    describe.each(VARIANTS)('$label', ({ server }) => {
      for (const exchange of suite.exchanges) {
        it(exchange.name, async () => {
          const deployment = ours.get(server)!;
          const [ownSeen, oursSeen] = await Promise.all([observe(exchange, ownOrigin, `own-${server}`), observe(exchange, deployment.nginx.url, server)]);
          if (exchange.ownAnswerHolds !== undefined)
            expect(ownSeen.body.toString('utf8'), 'the scenario did not run under the own server').toContain(exchange.ownAnswerHolds);
          const method = exchange.request?.method ?? 'GET';
          // A HEAD answer is measured against what GET gets.
          const asGet = method === 'HEAD' ? { ...exchange, request: { ...exchange.request!, method: 'GET' } } : undefined;
          const getLengths = asGet
            ? { own: (await observe(asGet, ownOrigin, `own-${server}`)).body.length, ours: (await observe(asGet, deployment.nginx.url, server)).body.length }
            : undefined;
          const departures = [NODE_HTTP_REASON_PHRASES, ...(suite.ownServerDepartures ?? [])];
          const result = compare(
            method,
            { ...ownSeen, origin: ownOrigin },
            { ...oursSeen, origin: deployment.nginx.url },
            exchange.known ?? [],
            departures,
            getLengths,
          );
          const appLog = deployment.app
            .output()
            .replace(/^LISTENING .*\n/m, '')
            .slice(-1500);
          const nginxLog = deployment.nginx
            .errorLog()
            .split('\n')
            .filter((line) => /\[(error|crit|alert|emerg)\]/.test(line))
            .slice(-5)
            .join('\n');
          const logs = result.differences.length > 0 ? `${appLog ? `\n--- app ---\n${appLog}` : ''}${nginxLog ? `\n--- nginx ---\n${nginxLog}` : ''}` : '';
          expect({ differences: result.differences, staleKnownDifferences: result.stale }, `${exchange.name}${logs}`).toEqual({
            differences: [],
            staleKnownDifferences: [],
          });
        });
      }
    });
  });
}
