import { spawn, type ChildProcess } from 'node:child_process';
import { unixSocketAccepts } from '../net/socket-transport.js';

/** The app served over FastCGI by a child `fastcgi-fetch serve`, so a reload is a fresh process. */
export interface DevChild {
  readonly socketPath: string;
  readonly process: ChildProcess;
  /** Resolves once the socket accepts connections; rejects if the child exits first. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

/** Starts `serve <module> --listen <socketPath>` with this same runtime, loader flags and script. */
export function startDevChild(module: string, socketPath: string, timeoutMs = 30_000): DevChild {
  const script = process.argv[1]!;
  const child = spawn(process.execPath, [...process.execArgv, script, 'serve', module, '--listen', socketPath], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, FASTCGI_LISTEN: undefined, FASTCGI_FD: undefined, FASTCGI_WORKERS: undefined },
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
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
