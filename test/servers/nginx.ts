/** Real nginx in front of a FastCGI app; user-facing part: examples/config/nginx.conf */
import fs from 'node:fs';
import path from 'node:path';
import { assertLoopback, freePort, isUnix, launch, makeTempDir, renderSnippet, type Upstream, type WebServer } from './web-server.js';

export interface NginxOptions {
  upstream: Upstream;
  /** fastcgi_keep_conn on + upstream { keepalive 8; } (default false: one connection per request) */
  keepConn?: boolean;
  /** Mount the app under e.g. '/app/' instead of '/'. */
  prefix?: string;
  /** fastcgi_buffering (default true). Apps can still send X-Accel-Buffering: no. */
  buffering?: boolean;
  /** The workers' user, as nginx.conf's `user` (default root; Debian ships www-data). */
  user?: string;
}

export async function startNginx(o: NginxOptions): Promise<WebServer> {
  assertLoopback(o.upstream);
  const address = isUnix(o.upstream) ? `unix:${o.upstream.path}` : `${o.upstream.host}:${o.upstream.port}`;
  return launchNginx(
    'nginx',
    (port) => {
      const site = renderSnippet('nginx.conf', {
        LISTEN: `127.0.0.1:${port}`,
        PREFIX: o.prefix ?? '/',
        UPSTREAM: o.keepConn ? 'fastcgi_fetch_app' : address,
      });
      const upstream = o.keepConn
        ? `    upstream fastcgi_fetch_app {\n        server ${address};\n        keepalive 8;\n    }\n    fastcgi_keep_conn on;\n`
        : '';
      return `${upstream}${o.buffering === false ? '    fastcgi_buffering off;\n' : ''}\n${site}`;
    },
    o.user,
  );
}

/**
 * Starts nginx in the foreground on a free loopback port with everything (pid, logs, temp
 * paths) in its own temp dir; `http(port)` gives what goes inside the `http { }` block.
 */
export async function launchNginx(name: string, http: (port: number) => string, user = 'root'): Promise<WebServer> {
  const dir = makeTempDir(name);
  const port = await freePort();
  for (const sub of ['body', 'fastcgi', 'proxy', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, 'tmp', sub), { recursive: true });
  const conf = `# written by test/servers/nginx.ts
master_process on;
user ${user};
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 1024; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/tmp/body;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    proxy_temp_path ${dir}/tmp/proxy;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
    default_type application/octet-stream;
    fastcgi_read_timeout 120s;
    fastcgi_send_timeout 120s;
${http(port)}
}
`;
  const configFile = path.join(dir, 'nginx.conf');
  fs.writeFileSync(configFile, conf);
  const base = ['nginx', '-p', dir, '-c', configFile];
  return launch({
    name: 'nginx',
    dir,
    port,
    configFile,
    validate: [...base, '-t', '-q', '-g', 'daemon off;'],
    command: [...base, '-g', 'daemon off;'],
    logFiles: [path.join(dir, 'error.log')],
  });
}
