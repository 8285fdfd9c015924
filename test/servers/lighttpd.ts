/**
 * Real lighttpd (mod_fastcgi) in front of a FastCGI app.
 * User-facing parts: examples/config/lighttpd*.conf
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  assertLoopback,
  freePort,
  isUnix,
  launch,
  makeTempDir,
  renderSnippet,
  writeWrapper,
  type SpawnedApp,
  type Upstream,
  type WebServer,
} from './web-server.js';

function str(s: string): string {
  return JSON.stringify(s); // lighttpd strings: "..." with \" escapes
}

function address(upstream: Upstream): string {
  assertLoopback(upstream);
  return isUnix(upstream) ? `"socket" => ${str(upstream.path)}` : `"host" => ${str(upstream.host)}, "port" => ${upstream.port}`;
}

interface BaseOptions {
  name: string;
  snippet: string;
  vars: (dir: string) => Record<string, string>;
  buffering?: boolean | undefined;
  files?: Record<string, string> | undefined;
  user?: string | undefined;
}

async function startLighttpdWith(o: BaseOptions): Promise<WebServer> {
  const dir = makeTempDir(o.name);
  const port = await freePort();
  const htdocs = path.join(dir, 'htdocs');
  fs.mkdirSync(htdocs, { recursive: true });
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  for (const [rel, content] of Object.entries(o.files ?? {})) {
    const target = path.join(htdocs, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  const conf = `# written by test/servers/lighttpd.ts
server.modules = ( "mod_access" )
server.document-root = ${str(htdocs)}
server.bind = "127.0.0.1"
server.port = ${port}
server.errorlog = ${str(path.join(dir, 'error.log'))}
server.pid-file = ${str(path.join(dir, 'lighttpd.pid'))}
server.upload-dirs = ( ${str(path.join(dir, 'tmp'))} )
server.max-request-size = 102400
mimetype.assign = ( ".txt" => "text/plain", ".html" => "text/html", ".json" => "application/json" )
${o.user === undefined ? '' : `server.username = ${str(o.user)}\nserver.groupname = ${str(o.user)}\n`}${o.buffering === false ? 'server.stream-response-body = 2\n' : ''}
${renderSnippet(o.snippet, o.vars(dir))}
`;
  const configFile = path.join(dir, 'lighttpd.conf');
  fs.writeFileSync(configFile, conf);
  if (o.user !== undefined) {
    // lighttpd opens its log after dropping to the user: Debian's /var/log/lighttpd is theirs too.
    fs.writeFileSync(path.join(dir, 'error.log'), '');
    for (const file of ['error.log', 'tmp']) execFileSync('chown', [`${o.user}:`, path.join(dir, file)]);
  }
  return launch({
    name: o.name,
    dir,
    port,
    configFile,
    validate: ['lighttpd', '-tt', '-f', configFile],
    command: ['lighttpd', '-D', '-f', configFile],
    logFiles: [path.join(dir, 'error.log')],
  });
}

export interface LighttpdOptions {
  upstream: Upstream;
  /** Mount the app under e.g. '/app/' instead of '/'. */
  prefix?: string;
  /** false: server.stream-response-body = 2 (default: lighttpd's buffering) */
  buffering?: boolean;
  /** server.username and server.groupname (Debian's lighttpd.conf: www-data); default: stays root. */
  user?: string;
}

/** mod_fastcgi to an app already listening on a unix socket or TCP port. */
export function startLighttpd(o: LighttpdOptions): Promise<WebServer> {
  return startLighttpdWith({
    name: 'lighttpd',
    snippet: 'lighttpd.conf',
    buffering: o.buffering,
    user: o.user,
    vars: () => ({ PREFIX: o.prefix ?? '/', UPSTREAM: address(o.upstream) }),
  });
}

export interface LighttpdSpawnOptions extends SpawnedApp {
  prefix?: string;
  buffering?: boolean;
}

/** lighttpd spawns the app ("bin-path"); the app gets the listening socket on fd 0. */
export function startLighttpdSpawn(o: LighttpdSpawnOptions): Promise<WebServer> {
  return startLighttpdWith({
    name: 'lighttpd-spawn',
    snippet: 'lighttpd-spawn.conf',
    buffering: o.buffering,
    vars: (dir) => ({
      PREFIX: o.prefix ?? '/',
      WRAPPER: writeWrapper(dir, 'app.fcgi', o),
      SOCKET: path.join(dir, 'app.sock'),
    }),
  });
}

export type LighttpdAuthorizerOptions = ({ upstream: Upstream } | SpawnedApp) & {
  /** The protected location (default '/'). */
  prefix?: string;
  /** Static files under document-root (default: secret.txt under the prefix). */
  files?: Record<string, string>;
};

/** "mode" => "authorizer" guarding static files; the app is external or spawned. */
export function startLighttpdAuthorizer(o: LighttpdAuthorizerOptions): Promise<WebServer> {
  const prefix = o.prefix ?? '/';
  return startLighttpdWith({
    name: 'lighttpd-authorizer',
    snippet: 'lighttpd-authorizer.conf',
    files: o.files ?? { [path.posix.join(prefix, 'secret.txt').slice(1)]: 'static content behind the authorizer\n' },
    vars: (dir) => ({
      PREFIX: prefix,
      UPSTREAM:
        'upstream' in o
          ? address(o.upstream)
          : `"bin-path" => ${str(writeWrapper(dir, 'authorizer.fcgi', o))}, "socket" => ${str(path.join(dir, 'authorizer.sock'))}, "max-procs" => 1`,
    }),
  });
}
