import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseListen, type ListenTarget } from '../server/listen-target.js';
import { CliError } from './cli-error.js';
import { parsePoolOptions, POOL_FLAGS, POOL_HELP, type PoolOptions } from './pool-options.js';
import { SERVE_DEFAULTS, type ServeOptions } from '../server/options.js';

/** `fastcgi-fetch serve`: everything the server needs, from flags then environment variables. */
export interface ServeCommand {
  readonly command: 'serve';
  /** Path or specifier of the app module. */
  readonly module: string;
  /** Undefined: let serve() pick (fd 0 from a web server, $FASTCGI_LISTEN, else 127.0.0.1:9000). */
  readonly listen: ListenTarget | undefined;
  readonly socketMode: number | undefined;
  /** Unix socket owner and group (names or ids), as php-fpm's listen.owner/listen.group. */
  readonly socketOwner: string | undefined;
  readonly socketGroup: string | undefined;
  /** Undefined runs the app in this process; a number runs a node:cluster primary and that many workers. */
  readonly workers: number | undefined;
  readonly statusPath: string | undefined;
  /** Milliseconds in-flight requests get on shutdown or restart before they are aborted. */
  readonly shutdownTimeout: number;
  readonly pool: PoolOptions;
}

/** `fastcgi-fetch dev`: the development HTTP front. */
export interface DevCommand {
  readonly command: 'dev';
  readonly module: string;
  readonly host: string;
  readonly port: number;
  readonly watch: boolean;
}

export type Command = ServeCommand | DevCommand | { readonly command: 'help'; readonly text: string } | { readonly command: 'version' };

type Env = Readonly<Record<string, string | undefined>>;

/** One command-line flag: how node:util parses it, its environment variable, the `serve()` options it sets. */
interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Read when the flag is absent. */
  readonly env?: string;
  /** The ServeOptions keys the flag sets; none for the CLI's own flags (workers, status page, pool). */
  readonly sets?: readonly (keyof ServeOptions)[];
}

/**
 * Every `serve` flag, in one table: parsing, environment variables and the options they set all
 * come from here. $FASTCGI_LISTEN is --listen's variable, but serve() reads it (after fd 0).
 */
export const SERVE_FLAGS = {
  listen: { type: 'string', short: 'l', sets: ['port', 'hostname', 'path'] },
  fd: { type: 'string', env: 'FASTCGI_FD', sets: ['fd'] },
  'socket-mode': { type: 'string', env: 'FASTCGI_SOCKET_MODE', sets: ['socketMode'] },
  'socket-owner': { type: 'string', env: 'FASTCGI_SOCKET_OWNER', sets: ['socketOwner'] },
  'socket-group': { type: 'string', env: 'FASTCGI_SOCKET_GROUP', sets: ['socketGroup'] },
  workers: { type: 'string', short: 'w', env: 'FASTCGI_WORKERS' },
  'status-path': { type: 'string', env: 'FASTCGI_STATUS_PATH' },
  'shutdown-timeout': { type: 'string', env: 'FASTCGI_SHUTDOWN_TIMEOUT', sets: ['closeTimeout'] },
  ...POOL_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, FlagSpec>;

/** Every `dev` flag (the HTTP front's own, not serve options). */
export const DEV_FLAGS = {
  port: { type: 'string', short: 'p', env: 'PORT' },
  host: { type: 'string' },
  'no-watch': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, FlagSpec>;

/** What `dev` does without its flags. */
export const DEV_DEFAULTS = { port: 3000, host: 'localhost', watch: true } as const;

const USAGE = `Usage:
  fastcgi-fetch serve <module> [options]   run a fetch handler as a FastCGI application
  fastcgi-fetch dev <module> [options]     development HTTP front (not for production)
  fastcgi-fetch --help | --version

<module> default-exports a fetch handler or an object with a fetch method
(a Hono app, an itty router, \`export default { fetch }\`). A .ts module needs
tsx installed (npm i -D tsx) unless the runtime strips types itself.
`;

const SERVE_HELP = `Usage: fastcgi-fetch serve <module> [options]

Where to listen (first that applies):
  --listen <addr>         host:port, :port, port, or a Unix socket path   $FASTCGI_LISTEN
  --fd <n>                an inherited listening socket                    $FASTCGI_FD
  (none)                  the sockets systemd passes ($LISTEN_FDS), else fd 0 when a
                          web server spawned us (lighttpd bin-path, mod_fcgid,
                          spawn-fcgi), else $FASTCGI_LISTEN, else ${SERVE_DEFAULTS.hostname}:${SERVE_DEFAULTS.port}

Options:
  --socket-mode <octal>   Unix socket file mode (default ${SERVE_DEFAULTS.socketMode.toString(8)})           $FASTCGI_SOCKET_MODE
  --socket-owner <user>   Unix socket owner (root only)                 $FASTCGI_SOCKET_OWNER
  --socket-group <group>  Unix socket group, e.g. www-data so the web
                          server may connect (the user must be in it)   $FASTCGI_SOCKET_GROUP
  --workers <n>           run a primary and n worker processes sharing the
                          socket (default: one process, no primary)     $FASTCGI_WORKERS
  --status-path <path>    answer this path with server status           $FASTCGI_STATUS_PATH
                          (text; JSON with ?json or Accept: application/json)
  --shutdown-timeout <s>  seconds in-flight requests get on stop or restart
                          before they are aborted (default ${SERVE_DEFAULTS.closeTimeout / 1000})          $FASTCGI_SHUTDOWN_TIMEOUT
  --help

${POOL_HELP}
Signals: SIGTERM/SIGINT stop gracefully; SIGHUP reloads the code (with --workers,
one worker at a time, without dropping a request). With $NOTIFY_SOCKET set, systemd
hears READY=1, RELOADING=1, STOPPING=1 and STATUS= (Type=notify, NotifyAccess=all).
`;

const DEV_HELP = `Usage: fastcgi-fetch dev <module> [options]

A development HTTP front, like \`php -S\`: every request goes over real FastCGI
to the app, which restarts when a file it loaded changes (not when it writes one).
Each request prints an access line, with the app's FCGI_STDERR lines (context.log).
Not for production: put nginx, Apache, Caddy... in front of \`serve\` there.

Options:
  --port <n>      HTTP port (default ${DEV_DEFAULTS.port})            $PORT
  --host <name>   HTTP address (default ${DEV_DEFAULTS.host})
  --no-watch      do not restart on file changes
  --help
`;

function integer(value: string, what: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliError(`${what} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, 2);
  }
  return n;
}

function listenOf(text: string): ListenTarget {
  try {
    return parseListen(text);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), 2);
  }
}

function pick(flag: string | undefined, env: Env, name: string): string | undefined {
  if (flag !== undefined) return flag;
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function parse(argv: readonly string[], flags: Readonly<Record<string, FlagSpec>>) {
  // node:util takes only its own fields of each flag.
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, { type, short }] of Object.entries(flags)) options[name] = short === undefined ? { type } : { type, short };
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util's messages are long and mention internals; keep the first sentence.
    const message = error instanceof Error ? error.message.split('. ')[0]! : String(error);
    throw new CliError(`${message}. See --help.`, 2);
  }
}

function moduleOf(positionals: readonly string[], env: Env, command: string): string {
  if (positionals.length > 1) throw new CliError(`${command} takes one module, got ${positionals.length}`, 2);
  const module = positionals[0] ?? pick(undefined, env, 'FASTCGI_APP');
  if (module === undefined) throw new CliError(`${command} needs a module: fastcgi-fetch ${command} ./app.js`, 2);
  return module;
}

function parseServe(argv: readonly string[], env: Env): Command {
  const { values, positionals } = parse(argv, SERVE_FLAGS);
  if (values.help) return { command: 'help', text: SERVE_HELP };
  const str = (key: keyof typeof SERVE_FLAGS) => {
    const value = values[key];
    return typeof value === 'string' ? value : undefined;
  };
  /** The flag, else its environment variable. */
  const flag = (key: Exclude<keyof typeof SERVE_FLAGS, 'listen' | 'help'>) => pick(str(key), env, SERVE_FLAGS[key].env);
  if (str('listen') !== undefined && str('fd') !== undefined) throw new CliError('use either --listen or --fd, not both', 2);
  // A flag beats every variable; $FASTCGI_LISTEN is left for serve() to weigh against fd 0.
  const fd = str('listen') === undefined ? flag('fd') : str('fd');
  const listenText = str('listen');
  const listen: ListenTarget | undefined =
    fd !== undefined ? { kind: 'fd', fd: integer(fd, '--fd', 0, 65535) } : listenText !== undefined ? listenOf(listenText) : undefined;
  const mode = flag('socket-mode');
  if (mode !== undefined && !/^0?[0-7]{3}$/.test(mode)) throw new CliError(`--socket-mode must be octal like 660, got ${JSON.stringify(mode)}`, 2);
  const statusPath = flag('status-path');
  if (statusPath !== undefined && !statusPath.startsWith('/')) throw new CliError('--status-path must start with /', 2);
  const timeout = flag('shutdown-timeout');
  const seconds = timeout === undefined ? SERVE_DEFAULTS.closeTimeout / 1000 : Number(timeout);
  if (!Number.isFinite(seconds) || seconds < 0) throw new CliError(`--shutdown-timeout must be a number of seconds, got ${JSON.stringify(timeout)}`, 2);
  const workers = flag('workers');
  const workerCount = workers === undefined ? undefined : integer(workers, '--workers', 1, 1024);
  return {
    command: 'serve',
    module: moduleOf(positionals, env, 'serve'),
    listen,
    socketMode: mode === undefined ? undefined : parseInt(mode, 8),
    socketOwner: flag('socket-owner'),
    socketGroup: flag('socket-group'),
    workers: workerCount,
    statusPath,
    shutdownTimeout: Math.round(seconds * 1000),
    pool: parsePoolOptions(str, env, { workers: workerCount, statusPath }),
  };
}

function parseDev(argv: readonly string[], env: Env): Command {
  const { values, positionals } = parse(argv, DEV_FLAGS);
  if (values.help) return { command: 'help', text: DEV_HELP };
  const port = pick(typeof values.port === 'string' ? values.port : undefined, env, DEV_FLAGS.port.env);
  return {
    command: 'dev',
    module: moduleOf(positionals, env, 'dev'),
    host: typeof values.host === 'string' ? values.host : DEV_DEFAULTS.host,
    port: port === undefined ? DEV_DEFAULTS.port : integer(port, '--port', 0, 65535),
    watch: values['no-watch'] === true ? false : DEV_DEFAULTS.watch,
  };
}

/** Reads the command line (without node and the script) and the environment. */
export function parseCommand(argv: readonly string[], env: Env = process.env): Command {
  const [first, ...rest] = argv;
  switch (first) {
    case 'serve':
      return parseServe(rest, env);
    case 'dev':
      return parseDev(rest, env);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { command: 'help', text: USAGE };
    case '--version':
    case '-v':
      return { command: 'version' };
    default:
      throw new CliError(`unknown command ${JSON.stringify(first)}: use serve or dev (see --help)`, 2);
  }
}
