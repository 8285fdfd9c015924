import { serve, type FastCGIServer } from '../server/serve.js';
import type { ServeOptions } from '../server/options.js';
import { resolveTarget, type ListenTarget } from '../server/listen-target.js';
import type { App } from '../types.js';
import type { ServeCommand } from './args.js';
import { CliError, describeListenError } from './cli-error.js';
import { Counters, type StatusReport } from './status.js';
import { withStatus } from './with-status.js';

/** "127.0.0.1:9000", "/run/app.sock", "fd 0": how logs and errors name a listen target. */
export function describeTarget(target: ListenTarget): string {
  if (target.kind === 'tcp') return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
  if (target.kind === 'unix') return target.path;
  if (target.kind === 'cgi') return 'CGI (one request from the environment)';
  if (target.kind === 'fds') return target.fds.map((fd, i) => (target.names[i] ? `fd ${fd} (${target.names[i]})` : `fd ${fd}`)).join(', ');
  return `fd ${target.fd}`;
}

/**
 * The target chosen once for every process: an explicit flag, else what serve() would pick
 * (systemd's sockets, fd 0 from a web server, $FASTCGI_LISTEN, 127.0.0.1:9000).
 */
export function chooseTarget(command: ServeCommand): ListenTarget {
  if (command.listen) return command.listen;
  try {
    return resolveTarget({});
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError(message.startsWith('socket activation') ? message : `$FASTCGI_LISTEN: ${message}`, 2);
  }
}

function listenOptions(target: ListenTarget, command: ServeCommand): ServeOptions {
  const base: ServeOptions = { closeTimeout: command.shutdownTimeout, requestTimeout: command.pool.requestTimeout };
  if (target.kind === 'tcp') return { ...base, hostname: target.host, port: target.port };
  if (target.kind === 'unix') {
    const { socketMode, socketOwner, socketGroup } = command;
    return {
      ...base,
      path: target.path,
      ...(socketMode === undefined ? {} : { socketMode }),
      ...(socketOwner === undefined ? {} : { socketOwner }),
      ...(socketGroup === undefined ? {} : { socketGroup }),
    };
  }
  // CGI: no listen option, so serve() answers the one request of this process.
  if (target.kind === 'cgi') return base;
  if (target.kind === 'fds') return { ...base, fd: target.fds };
  return { ...base, fd: target.fd };
}

/** Whether the status page or the slow log needs each request in flight kept. */
export function countersFor(command: ServeCommand): Counters {
  return new Counters({ trackRequests: command.statusPath !== undefined || command.pool.slowlogTimeout > 0 });
}

/** Serves the app on `target` with request counting, the status and ping paths; resolves once listening. */
export async function startServing(
  app: App,
  command: ServeCommand,
  target: ListenTarget,
  counters: Counters,
  report: (full: boolean) => Promise<StatusReport>,
): Promise<FastCGIServer> {
  const paths = { statusPath: command.statusPath, pingPath: command.pool.pingPath, pingResponse: command.pool.pingResponse };
  const server = serve(withStatus(app, counters, paths, report), listenOptions(target, command));
  counters.server = server;
  try {
    return await server.ready();
  } catch (error) {
    throw describeListenError(error, describeTarget(target));
  }
}
