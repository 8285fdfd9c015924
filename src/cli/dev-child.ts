import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { unixSocketAccepts } from '../net/socket-transport.js';
import type { DevChildMessage, DevFrontMessage } from './dev-messages.js';

/** The app served over FastCGI by a child `fastcgi-fetch serve`, so a reload is a fresh process. */
export interface DevChild {
  readonly socketPath: string;
  readonly process: ChildProcess;
  /** Resolves once the socket accepts connections; rejects if the child exits first. */
  readonly ready: Promise<void>;
  /** Import edges [importer URL, imported URL] the app's process reported so far. */
  readonly edges: ReadonlyArray<readonly [string | null, string]>;
  /**
   * The CommonJS files the app's process has loaded; undefined when it cannot tell (it exited,
   * or the runtime has no module hooks).
   */
  requiredFiles(timeoutMs?: number): Promise<string[] | undefined>;
  stop(): Promise<void>;
}

const reporter = fileURLToPath(new URL(`./dev-imports${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/** Starts `serve <module> --listen <socketPath>` with this same runtime, loader flags and script. */
export function startDevChild(module: string, socketPath: string, options: { timeoutMs?: number; reportFiles?: boolean } = {}): DevChild {
  const { timeoutMs = 30_000, reportFiles = true } = options;
  const script = process.argv[1]!;
  const preload = reportFiles ? ['--import', reporter] : [];
  const child = spawn(process.execPath, [...process.execArgv, ...preload, script, 'serve', module, '--listen', socketPath], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, FASTCGI_LISTEN: undefined, FASTCGI_FD: undefined, FASTCGI_WORKERS: undefined },
  });
  const edges: Array<readonly [string | null, string]> = [];
  let answer: ((files: string[]) => void) | undefined;
  child.on('message', (message: DevChildMessage) => {
    if (message?.type === 'dev-modules') edges.push(...message.edges);
    else if (message?.type === 'dev-required') answer?.(message.files);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const ready = (async () => {
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    void exited.then(() => (gone = true));
    while (!gone) {
      if (await unixSocketAccepts(socketPath)) return;
      if (Date.now() > deadline) throw new Error(`the app did not listen within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the app exited (${child.signalCode ?? `code ${child.exitCode}`}) before listening`);
  })();
  ready.catch(() => {});
  return {
    socketPath,
    process: child,
    ready,
    edges,
    requiredFiles(ms = 2000) {
      if (!child.connected || edges.length === 0) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), ms);
        answer = (files) => {
          clearTimeout(timer);
          resolve(files);
        };
        try {
          child.send({ type: 'dev-files?' } satisfies DevFrontMessage);
        } catch {
          clearTimeout(timer);
          resolve(undefined);
        }
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
