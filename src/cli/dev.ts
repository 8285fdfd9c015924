import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { createClient, type FastCGIClient } from '../client.js';
import type { DevCommand } from './args.js';
import { startDevChild, type DevChild } from './dev-child.js';
import { CliError, describeListenError } from './cli-error.js';
import { log } from './log.js';
import { appFiles, shown, SourceWatcher } from './dev-watch.js';

interface Backend {
  readonly child: DevChild;
  readonly client: FastCGIClient;
}

/** How long a request waits for the app to (re)start before it gets an error page. */
const HOLD_MS = 10_000;

function toRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const init: RequestInit & { duplex?: 'half' } = { method: req.method ?? 'GET', headers };
  if (hasBody) {
    init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
    init.duplex = 'half';
  }
  return new Request(new URL(req.url ?? '/', origin), init);
}

async function sendResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  res.writeHead(response.status, response.statusText, headers);
  if (!response.body) {
    res.end();
    return;
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    // Respect the browser's pace: a streaming app must not fill this process's memory.
    if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
  }
  res.end();
}

function errorPage(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`fastcgi-fetch dev: ${message}\n`);
}

/** "14:03:27": the time at the head of each access and app line. */
function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

/** `fastcgi-fetch dev`: HTTP on localhost, forwarded over FastCGI to the app in a child process. */
export async function runDev(command: DevCommand): Promise<number> {
  const file = resolve(command.module);
  if (!existsSync(file)) throw new CliError(`cannot find module ${command.module} (looked for ${file})`);
  // Module URLs name real paths: so must the root of the app's graph.
  const entry = realpathSync(file);
  const socketDir = mkdtempSync(join(tmpdir(), 'fastcgi-fetch-dev-'));
  let generation = 0;
  let current: Backend | undefined;
  /** The child being started, until it serves or fails. */
  let attempt: DevChild | undefined;
  let starting: Promise<void> | undefined;
  /** Exits soon after starting, in a row: past a few, wait for a change instead of a loop. */
  let quickExits = 0;
  let stopping = false;
  let lastError = 'the app is starting';
  let restarting = Promise.resolve();
  const watcher = command.watch ? new SourceWatcher(changed) : undefined;

  /** Watches what the latest attempt loaded; after a failure, the source files of its folder too. */
  async function watchApp(child: DevChild, started: boolean): Promise<void> {
    if (!watcher) return;
    const required = started ? await child.requiredFiles() : [];
    const files = new Set(appFiles(entry, child.edges, required ?? []));
    if (!started && current) for (const f of appFiles(entry, current.child.edges)) files.add(f);
    watcher.watchFiles(files);
    // Without the app's own report (a runtime with no module hooks), or when it failed before
    // importing everything, a new or fixed source file next to it must still restart it.
    watcher.watchSourcesUnder(started && required !== undefined ? undefined : dirname(file));
  }

  const start = async (): Promise<void> => {
    if (stopping) return;
    const child = (attempt = startDevChild(file, join(socketDir, `app-${++generation}.sock`), { reportFiles: command.watch }));
    try {
      await child.ready;
      if (stopping) return;
    } catch (error) {
      if (stopping) return;
      lastError = error instanceof Error ? error.message : String(error);
      await child.stop();
      await watchApp(child, false);
      log(current ? `reload failed (${lastError}); still serving the previous version` : `the app failed to start (${lastError}); waiting for a change`);
      return;
    }
    attempt = undefined;
    const readyAt = Date.now();
    const previous = current;
    current = { child, client: createClient({ path: child.socketPath }, { keepConn: true }) };
    wake();
    // An app that exits by itself (process.exit, a crash) is started again; requests wait for it.
    child.process.once('exit', (code, signal) => {
      if (stopping || current?.child !== child) return;
      current = undefined;
      lastError = `the app exited (${signal ?? `code ${code}`})`;
      quickExits = Date.now() - readyAt < 5000 ? quickExits + 1 : 0;
      if (quickExits >= 3) return log(`${lastError} again right after starting; waiting for a change`);
      log(`${lastError}; starting it again`);
      restart();
    });
    await watchApp(child, true);
    const files = watcher ? `; watching ${watcher.size} file(s) it loaded` : '';
    if (previous) {
      log(`reloaded${files}`);
      void previous.client.close().then(() => previous.child.stop());
    } else {
      log(`the app is ready${files}`);
    }
  };
  const restart = () => {
    const run = (restarting = restarting.then(start).catch((error: unknown) => log(`could not start the app: ${String(error)}`)));
    starting = run;
    void run.finally(() => {
      if (starting === run) starting = undefined;
      wake();
    });
  };
  function changed(name: string): void {
    clearTimeout(changeTimer);
    // Editors write a file in several steps; wait for the burst to end.
    changeTimer = setTimeout(() => {
      quickExits = 0;
      log(`${shown(name)} changed: restarting the app`);
      restart();
    }, 150);
  }
  let changeTimer: ReturnType<typeof setTimeout> | undefined;

  /** Requests waiting for the app to serve; woken when one does or a start attempt ends. */
  const waiting = new Set<() => void>();
  function wake(): void {
    for (const resume of waiting) resume();
  }
  /** The app to forward to: while the app (re)starts with none serving, wait for it a while. */
  const backend = async (): Promise<Backend | undefined> => {
    const deadline = Date.now() + HOLD_MS;
    while (!current && starting && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const resume = () => {
          clearTimeout(timer);
          waiting.delete(resume);
          resolve();
        };
        const timer = setTimeout(resume, deadline - Date.now());
        waiting.add(resume);
      });
    }
    return current;
  };

  const server = createServer((req, res) => {
    const began = performance.now();
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    // One line per request, as `php -S` prints: when the response is over (or the browser left).
    res.once('close', () => {
      const status = res.writableFinished ? String(res.statusCode) : `${res.headersSent ? res.statusCode : '-'} (closed early)`;
      process.stderr.write(`[${clock()}] ${method} ${path} ${status} ${Math.round(performance.now() - began)} ms\n`);
    });
    void backend().then((app) => {
      if (!app) return errorPage(res, 502, `no app to forward to: ${lastError} (see the terminal)`);
      const origin = `http://${req.headers.host ?? `${command.host}:${command.port}`}`;
      const abort = new AbortController();
      res.once('close', () => abort.abort());
      return app.client
        .fetch(toRequest(req, origin), {
          signal: abort.signal,
          params: { REMOTE_ADDR: req.socket.remoteAddress?.replace(/^::ffff:/, ''), REMOTE_PORT: String(req.socket.remotePort ?? '') },
          // The app's FCGI_STDERR (context.log, onError's report), which a web server would log.
          onStderr: (line) => process.stderr.write(`[${clock()}] ${method} ${path}: ${line}\n`),
        })
        .then((response) => sendResponse(response, res))
        .catch((error: unknown) => errorPage(res, 502, `forwarding failed: ${error instanceof Error ? error.message : String(error)}`));
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error) => reject(describeListenError(error, `http://${command.host}:${command.port}`)));
    server.listen(command.port, command.host, resolveListen);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : command.port;
  const url = `http://${command.host}:${port}/`;
  process.stderr.write(
    [
      '',
      '  fastcgi-fetch dev: DEVELOPMENT SERVER, do not use in production',
      `  app     ${relative(process.cwd(), file) || file}`,
      `  open    ${url}`,
      '  path    HTTP -> FastCGI over a Unix socket -> your fetch handler (in a child process)',
      command.watch ? '  watch   the files the app loads (restarts when one changes)' : '  watch   off',
      '',
      '',
    ].join('\n'),
  );
  // Requests that arrive from now on wait for the app instead of getting an error page.
  restart();

  return new Promise<number>((resolveExit) => {
    const stop = () => {
      stopping = true;
      clearTimeout(changeTimer);
      watcher?.close();
      server.close();
      server.closeAllConnections();
      void (async () => {
        await Promise.all([current?.child.stop(), attempt?.stop()]);
        rmSync(socketDir, { recursive: true, force: true });
        resolveExit(0);
      })();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
