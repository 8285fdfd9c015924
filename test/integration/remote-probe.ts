/**
 * A FixtureProbe that works across processes: for apps the web server spawns (mod_fcgid,
 * lighttpd bin-path, CGI), the test holds a small HTTP control server on a Unix socket; the
 * app's `/stream` and `/hold` routes wait on it, and aborts are reported to it.
 */
import { chmodSync } from 'node:fs';
import { createServer, request, type ServerResponse } from 'node:http';
import type { FixtureProbe } from './fixture-app.js';

/** The test side: arm a release, see aborts. */
export interface ProbeControl {
  /** The next stream/hold waits until the returned function is called. */
  arm(): () => void;
  /** Resolves with the abort reason's name, or undefined when none came within `ms`. */
  nextAbort(ms: number): Promise<string | undefined>;
}

/** Starts the control server on `socketPath` (world-writable: Apache runs apps as www-data). */
export async function startProbeControl(socketPath: string): Promise<ProbeControl & { close(): Promise<void> }> {
  let released = true;
  let waiting: ServerResponse[] = [];
  let aborts: string[] = [];
  let onAbort: (() => void) | undefined;
  const server = createServer((req, res) => {
    if (req.url === '/release') {
      if (released) res.end('go');
      else waiting.push(res);
      return;
    }
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      aborts.push(body);
      onAbort?.();
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  chmodSync(socketPath, 0o777);
  const release = () => {
    released = true;
    for (const res of waiting) res.end('go');
    waiting = [];
  };
  return {
    arm() {
      released = false;
      return release;
    },
    nextAbort(ms) {
      aborts = [];
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), ms);
        onAbort = () => {
          clearTimeout(timer);
          resolve(aborts[0]);
        };
      });
    },
    close() {
      release();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function call(socketPath: string, path: string, body?: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path, method: body === undefined ? 'GET' : 'POST' }, (res) => {
      res.resume().on('end', () => resolve());
    });
    req.on('error', () => resolve());
    req.end(body);
  });
}

/** The app side: the probe a spawned fixture app is built with. */
export function remoteProbe(socketPath: string | undefined): FixtureProbe {
  if (!socketPath) return {};
  return {
    get streamReleased() {
      return call(socketPath, '/release');
    },
    get hangReleased() {
      return call(socketPath, '/release');
    },
    onAbort(reason) {
      void call(socketPath, '/abort', reason instanceof Error || reason instanceof DOMException ? reason.name : String(reason));
    },
  };
}

/** The same control for an app running inside the test process. */
export function localProbeControl(probe: FixtureProbe): ProbeControl {
  return {
    arm() {
      let release!: () => void;
      probe.streamReleased = new Promise<void>((resolve) => (release = resolve));
      probe.hangReleased = probe.streamReleased;
      return () => {
        release();
        probe.streamReleased = undefined;
        probe.hangReleased = undefined;
      };
    },
    nextAbort(ms) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), ms);
        probe.onAbort = (reason) => {
          clearTimeout(timer);
          resolve(reason instanceof Error || reason instanceof DOMException ? reason.name : String(reason));
        };
      });
    },
  };
}
