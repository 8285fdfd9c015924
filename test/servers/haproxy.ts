/** Real HAProxy (fcgi-app + proto fcgi); user-facing part: examples/config/haproxy.cfg */
import fs from 'node:fs';
import path from 'node:path';
import { assertLoopback, freePort, isUnix, launch, makeTempDir, renderSnippet, type Upstream, type WebServer } from './web-server.js';

export interface HaproxyOptions {
  upstream: Upstream;
  /** Route only paths starting with e.g. '/app/' to the app (others get 503). */
  prefix?: string;
}

export async function startHaproxy(o: HaproxyOptions): Promise<WebServer> {
  assertLoopback(o.upstream);
  const dir = makeTempDir('haproxy');
  const port = await freePort();
  const prefix = o.prefix ?? '/';
  const sections = renderSnippet('haproxy.cfg', {
    UPSTREAM: isUnix(o.upstream) ? o.upstream.path : `${o.upstream.host}:${o.upstream.port}`,
  });
  const conf = `# written by test/servers/haproxy.ts
global
    log stderr format short local0 info
    pidfile ${path.join(dir, 'haproxy.pid')}
    maxconn 1000

defaults
    mode http
    log global
    option httplog
    option dontlognull
    timeout connect 5s
    timeout client 120s
    timeout server 120s

frontend web
    bind 127.0.0.1:${port}
    ${prefix === '/' ? 'default_backend fetch_app' : `use_backend fetch_app if { path_beg ${prefix} }`}

${sections}
`;
  const configFile = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(configFile, conf);
  return launch({
    name: 'haproxy',
    dir,
    port,
    configFile,
    validate: ['haproxy', '-c', '-q', '-f', configFile],
    command: ['haproxy', '-db', '-f', configFile],
  });
}
