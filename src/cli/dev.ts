import { watch, existsSync, mkdtempSync, rmSync, type FSWatcher } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createClient, type FastCGIClient } from '../client.js';
import type { DevCommand } from './args.js';
import { startDevChild, type DevChild } from './dev-child.js';
import { CliError, describeListenError } from './errors.js';
import { log } from './log.js';

interface Backend {
  readonly child: DevChild;
  readonly client: FastCGIClient;
}

const IGNORED = /(^|[/\\])(node_modules|\.git|dist|coverage)([/\\]|$)/;

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

/** `fastcgi-fetch dev`: HTTP on localhost, forwarded over FastCGI to the app in a child process. */
export async function runDev(command: DevCommand): Promise<number> {
  const file = resolve(command.module);
  if (!existsSync(file)) throw new CliError(`cannot find module ${command.module} (looked for ${file})`);
  const socketDir = mkdtempSync(join(tmpdir(), 'fastcgi-fetch-dev-'));
  let generation = 0;
  let current: Backend | undefined;
  let lastError = 'the app is starting';

  const start = async (): Promise<void> => {
    const child = startDevChild(file, join(socketDir, `app-${++generation}.sock`));
    try {
      await child.ready;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      await child.stop();
      log(current ? `reload failed (${lastError}); still serving the previous version` : `the app failed to start (${lastError}); waiting for a change`);
      return;
    }
    const previous = current;
    current = { child, client: createClient({ path: child.socketPath }, { keepConn: true }) };
    if (previous) {
      log('reloaded');
      void previous.client.close().then(() => previous.child.stop());
    }
  };

  const server = createServer((req, res) => {
    const backend = current;
    if (!backend) return errorPage(res, 502, `no app to forward to: ${lastError} (see the terminal)`);
    const origin = `http://${req.headers.host ?? `${command.host}:${command.port}`}`;
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    backend.client
      .fetch(toRequest(req, origin), {
        signal: abort.signal,
        params: { REMOTE_ADDR: req.socket.remoteAddress?.replace(/^::ffff:/, ''), REMOTE_PORT: String(req.socket.remotePort ?? '') },
      })
      .then((response) => sendResponse(response, res))
      .catch((error: unknown) => errorPage(res, 502, `forwarding failed: ${error instanceof Error ? error.message : String(error)}`));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error) => reject(describeListenError(error, `http://${command.host}:${command.port}`)));
    server.listen(command.port, command.host, resolveListen);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : command.port;
  const url = `http://${command.host}:${port}/`;

  await start();
  let watcher: FSWatcher | undefined;
  if (command.watch) {
    const dir = dirname(file);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let restarting = Promise.resolve();
    watcher = watch(dir, { recursive: true }, (_event, name) => {
      if (name && IGNORED.test(name)) return;
      clearTimeout(timer);
      // Editors write a file in several steps; wait for the burst to end.
      timer = setTimeout(() => {
        log(`${name ?? 'a file'} changed: restarting the app`);
        restarting = restarting.then(start);
      }, 150);
    });
  }
  process.stderr.write(
    [
      '',
      '  fastcgi-fetch dev: DEVELOPMENT SERVER, do not use in production',
      `  app     ${relative(process.cwd(), file) || file}`,
      `  open    ${url}`,
      '  path    HTTP -> FastCGI over a Unix socket -> your fetch handler (in a child process)',
      command.watch ? `  watch   ${relative(process.cwd(), dirname(file)) || '.'}/ (restarts on change)` : '  watch   off',
      '',
      '',
    ].join('\n'),
  );

  return new Promise<number>((resolveExit) => {
    const stop = () => {
      watcher?.close();
      server.close();
      server.closeAllConnections();
      void (async () => {
        await current?.child.stop();
        rmSync(socketDir, { recursive: true, force: true });
        resolveExit(0);
      })();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
