/**
 * Real Apache httpd 2.4 in front of (or spawning) a FastCGI app.
 * User-facing parts: examples/config/apache-*.conf
 *
 * Running as root: httpd refuses `User root` (only a -DBIG_SECURITY_HOLE
 * build allows it), so workers run as www-data. To keep "everything runs as
 * root" semantics – reaching a root-owned 0755 unix socket, a 0700 temp dir,
 * and letting spawned apps read/write like root – httpd is started through
 * `setpriv --securebits=+no_setuid_fixup` (workers keep root's capabilities
 * after setuid) with the file-access capabilities made ambient, so apps that
 * mod_fcgid / mod_cgid exec as www-data keep them too.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  assertLoopback,
  freePort,
  installed,
  isUnix,
  launch,
  makeTempDir,
  renderSnippet,
  writeWrapper,
  type SpawnedApp,
  type Upstream,
  type WebServer,
} from './web-server.js';

const MODULES_DIR = '/usr/lib/apache2/modules';
const FILE_CAPS = '+dac_override,+dac_read_search,+fowner,+chown';

/** True if the Apache module (e.g. 'fcgid', 'proxy_fcgi', 'cgid') is installed. */
export function apacheModuleInstalled(module: string): boolean {
  return installed('apache2') && fs.existsSync(path.join(MODULES_DIR, `mod_${module}.so`));
}

interface BaseOptions {
  name: string;
  modules: string[];
  /** Config body: the rendered snippet(s) plus anything test-only around them. */
  body: (ctx: { dir: string; port: number }) => string;
  /** Files to create under the DocumentRoot (relative path -> content). */
  files?: Record<string, string>;
  /** Spawned app, if any – written as <dir>/app.fcgi wrapper script. */
  app?: SpawnedApp;
  /** Workers as www-data with no capabilities left, as Debian runs Apache (see the file's head). */
  stockPrivileges?: boolean | undefined;
}

async function startApacheWith(o: BaseOptions & { wrapperVar?: (wrapper: string) => void }): Promise<WebServer> {
  const dir = makeTempDir(o.name);
  const port = await freePort();
  const htdocs = path.join(dir, 'htdocs');
  fs.mkdirSync(path.join(dir, 'run'), { recursive: true });
  fs.mkdirSync(htdocs, { recursive: true, mode: 0o755 });
  for (const [rel, content] of Object.entries(o.files ?? {})) {
    const target = path.join(htdocs, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  const modules = ['mpm_event', 'authz_core', 'mime', 'alias', ...o.modules];
  const conf = `# written by test/servers/apache.ts
ServerRoot "${dir}"
DefaultRuntimeDir "${dir}/run"
PidFile "${dir}/run/httpd.pid"
Mutex file:${dir}/run default
${[...new Set(modules)].map((m) => `LoadModule ${m}_module ${MODULES_DIR}/mod_${m}.so`).join('\n')}
User www-data
Group www-data
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
ErrorLog "${dir}/error.log"
LogLevel info
TypesConfig /etc/mime.types
DocumentRoot "${htdocs}"
Timeout 120
${o.body({ dir, port })}
`;
  const configFile = path.join(dir, 'httpd.conf');
  fs.writeFileSync(configFile, conf);
  const apache = ['apache2', '-f', configFile];
  const command =
    installed('setpriv') && !o.stockPrivileges
      ? ['setpriv', `--inh-caps=${FILE_CAPS}`, `--ambient-caps=${FILE_CAPS}`, '--securebits=+no_setuid_fixup', '--', ...apache, '-DFOREGROUND']
      : [...apache, '-DFOREGROUND'];
  return launch({
    name: o.name,
    dir,
    port,
    configFile,
    validate: [...apache, '-t'],
    command,
    env: { LANG: 'C' },
    logFiles: [path.join(dir, 'error.log')],
  });
}

/** `unix:/path|fcgi://localhost/` or `fcgi://host:port/` */
function proxyTarget(upstream: Upstream): string {
  assertLoopback(upstream);
  return isUnix(upstream) ? `unix:${upstream.path}|fcgi://localhost/` : `fcgi://${upstream.host}:${upstream.port}/`;
}

export interface ApacheProxyOptions {
  upstream: Upstream;
  /** Mount the app under e.g. '/app/' instead of '/'. */
  prefix?: string;
  /**
   * false: flush every packet from the app to the client (ProxySet
   * flushpackets=on). Default true: mod_proxy_fcgi buffers the response.
   */
  buffering?: boolean;
  /**
   * false: drop the snippet's `enablereuse=on` (a new FastCGI connection per request).
   * Default true, as in the snippet.
   */
  reuse?: boolean;
  /** Workers as plain www-data, without the root capabilities the harness otherwise keeps. */
  stockPrivileges?: boolean;
}

function withoutReuse(snippet: string, drop: boolean): string {
  if (!drop) return snippet;
  const stripped = snippet.replace(/ enablereuse=on$/m, '');
  if (stripped === snippet) throw new Error('apache-proxy-fcgi.conf has no "enablereuse=on" to drop');
  return stripped;
}

/** mod_proxy_fcgi: ProxyPass to an app that is already listening. */
export function startApache(o: ApacheProxyOptions): Promise<WebServer> {
  const target = proxyTarget(o.upstream);
  return startApacheWith({
    name: 'apache-proxy-fcgi',
    modules: ['proxy', 'proxy_fcgi'],
    stockPrivileges: o.stockPrivileges,
    body: () =>
      withoutReuse(renderSnippet('apache-proxy-fcgi.conf', { PREFIX: o.prefix ?? '/', UPSTREAM: target }), o.reuse === false) +
      (o.buffering === false ? `\n<Proxy "${target}">\n    ProxySet flushpackets=on\n</Proxy>\n` : ''),
  });
}

export interface ApacheFcgidOptions extends SpawnedApp {
  /** Mount the app under e.g. '/app/' instead of '/'. */
  prefix?: string;
  /**
   * FcgidMaxProcessesPerClass (mod_fcgid default 100). mod_fcgid sends one
   * request at a time per app process and starts more processes for
   * concurrent requests; 1 keeps a single app process (others queue).
   */
  maxProcesses?: number;
}

/**
 * mod_fcgid spawns the app itself (via a /bin/sh wrapper exporting `env`);
 * the app finds its listening unix socket on fd 0.
 */
export function startApacheFcgid(o: ApacheFcgidOptions): Promise<WebServer> {
  return startApacheWith({
    name: 'apache-fcgid',
    modules: ['fcgid'],
    body: ({ dir }) => `FcgidIPCDir "${dir}/run/fcgid"
FcgidProcessTableFile "${dir}/run/fcgid_shm"
FcgidIOTimeout 120
${o.maxProcesses !== undefined ? `FcgidMaxProcessesPerClass ${o.maxProcesses}\n` : ''}${renderSnippet('apache-fcgid.conf', { PREFIX: o.prefix ?? '/', WRAPPER: writeWrapper(dir, 'app.fcgi', o) })}`,
  });
}

export interface ApacheFcgidAuthorizerOptions extends SpawnedApp {
  /**
   * 'authorizer' (default): FcgidAuthenticator + FcgidAuthorizer, clients send
   *   HTTP Basic credentials; the app is asked twice (FCGI_APACHE_ROLE
   *   AUTHENTICATOR with REMOTE_USER/REMOTE_PASSWD, then AUTHORIZER).
   * 'access-checker': FcgidAccessChecker, one call per request, no Basic auth
   *   needed (FCGI_APACHE_ROLE ACCESS_CHECKER) – suits bearer tokens.
   * Either way FCGI_ROLE is AUTHORIZER. A denial reaches the client as
   * Apache's own 401 page, not the authorizer's response body.
   */
  phase?: 'authorizer' | 'access-checker';
  /** The protected location (default '/'). */
  prefix?: string;
  /** Protect an app reached with mod_proxy_fcgi instead of static files. */
  protect?: Upstream;
  /** Static files under the DocumentRoot (default: secret.txt under the prefix). */
  files?: Record<string, string>;
  realm?: string;
}

/** mod_fcgid spawns an authorizer app that guards static files or a proxied app. */
export function startApacheFcgidAuthorizer(o: ApacheFcgidAuthorizerOptions): Promise<WebServer> {
  const prefix = o.prefix ?? '/';
  const phase = o.phase ?? 'authorizer';
  const files = o.files ?? { [path.posix.join(prefix, 'secret.txt').slice(1)]: 'static content behind the authorizer\n' };
  const app: SpawnedApp = o.env ? { command: o.command, env: o.env } : { command: o.command };
  return startApacheWith({
    name: `apache-fcgid-${phase}`,
    modules: ['fcgid', 'authn_core', 'authz_user', ...(o.protect ? ['proxy', 'proxy_fcgi'] : [])],
    files: o.protect ? {} : files,
    body: ({ dir }) => {
      const wrapper = writeWrapper(dir, 'authorizer.fcgi', app);
      const snippet =
        phase === 'authorizer'
          ? renderSnippet('apache-fcgid-authorizer.conf', { PREFIX: prefix, WRAPPER: wrapper, REALM: o.realm ?? 'fastcgi-fetch test' })
          : renderSnippet('apache-fcgid-access-checker.conf', { PREFIX: prefix, WRAPPER: wrapper });
      const protect = o.protect ? `<Location "${prefix}">\n    ProxyPass "${proxyTarget(o.protect)}" enablereuse=on\n</Location>\n` : '';
      return `FcgidIPCDir "${dir}/run/fcgid"
FcgidProcessTableFile "${dir}/run/fcgid_shm"
${snippet}
${protect}`;
    },
  });
}

export interface ApacheCgiOptions extends SpawnedApp {
  /** Mount the program under e.g. '/app/' instead of '/'. */
  prefix?: string;
  /**
   * Pass a request's `Proxy:` header on as HTTP_PROXY, as every server did before the httpoxy
   * fixes (Apache >= 2.4.25 drops the header itself), so a test can see what the app does with it.
   */
  passProxyHeader?: boolean;
}

/** Plain CGI (mod_cgid, as Debian enables for the event MPM): one process per request. */
export function startApacheCgi(o: ApacheCgiOptions): Promise<WebServer> {
  return startApacheWith({
    name: 'apache-cgi',
    modules: ['cgid', ...(o.passProxyHeader ? ['setenvif'] : [])],
    body: ({ dir }) => `ScriptSock "${dir}/run/cgid.sock"
${renderSnippet('apache-cgi.conf', { PREFIX: o.prefix ?? '/', WRAPPER: writeWrapper(dir, 'app.cgi', o) })}
${o.passProxyHeader ? 'SetEnvIf Proxy "^(.+)$" HTTP_PROXY=$1' : ''}`,
  });
}
