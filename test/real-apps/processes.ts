/** Starts serve-app.ts as a child process and stops exactly that process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./serve-app.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type AppName = 'hono' | 'itty' | 'yoga' | 'server-adapter';
export type ServerName = 'own' | 'fastcgi' | 'fastcgi-platform';

export interface AppProcess {
  /** What serve-app.ts announced: `{ port }` for an own server, fastcgi-fetch's address otherwise. */
  readonly address: { port?: number; path?: string };
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/** Children still running: killed when this process exits, however it exits. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Starts `app` under `server` and resolves once it listens (20 s at most). */
export async function startAppProcess(app: AppName, server: ServerName, socketPath: string | undefined, env: Record<string, string>): Promise<AppProcess> {
  const args = ['--import', 'tsx', ENTRY, app, server, ...(socketPath ? [socketPath] : [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let text = '';
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited(child);
      clearTimeout(timer);
    }
  };
  const address = await new Promise<AppProcess['address']>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${app} under ${server} did not listen within 20 s:\n${text}`)), 20_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      void stop().then(() => reject(error));
    };
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const match = /^LISTENING (.*)$/m.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(JSON.parse(match[1]!) as AppProcess['address']);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('exit', (code, signal) => fail(new Error(`${app} under ${server} exited (${code ?? signal}) before listening:\n${text}`)));
  });
  return { address, output: () => text, stop };
}
