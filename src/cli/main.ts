import cluster from 'node:cluster';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommand, type ServeCommand } from './args.js';
import { CliError } from './cli-error.js';

function version(): string {
  // src/cli/ in development, dist/src/cli/ once built: walk up to our package.json.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'fastcgi-fetch') return pkg.version ?? 'unknown';
  }
  return 'unknown';
}

async function run(argv: readonly string[], env: Record<string, string | undefined>): Promise<number> {
  const command = parseCommand(argv, env);
  switch (command.command) {
    case 'help':
      process.stdout.write(command.text);
      return 0;
    case 'version':
      process.stdout.write(`${version()}\n`);
      return 0;
    case 'dev': {
      const { runDev } = await import('./dev.js');
      return runDev(command);
    }
    case 'serve':
      return serve(command);
  }
}

async function serve(command: ServeCommand): Promise<number> {
  if (cluster.isWorker) {
    const { runWorker } = await import('./worker.js');
    return runWorker(command);
  }
  if (command.workers === undefined) {
    const { runSingle } = await import('./single.js');
    return runSingle(command);
  }
  const { runPrimary } = await import('./primary.js');
  return runPrimary({ ...command, workers: command.workers });
}

/**
 * Runs the `fastcgi-fetch` command line and resolves with the process exit code once the
 * command is over (a server: once it has stopped). Errors become one line on stderr.
 */
export async function main(argv: readonly string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  try {
    return await run(argv, env);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`fastcgi-fetch: ${error.message}\n`);
      // An exception from the app's own module: its stack points at the bug.
      if (error.stack && !error.stack.startsWith('CliError')) process.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }
    process.stderr.write(`fastcgi-fetch: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
