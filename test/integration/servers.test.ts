/**
 * The fixture app, unchanged, behind every web server the project supports, in each way it can
 * be deployed; the outcomes become COMPATIBILITY.md. nginx.test.ts covers nginx's four
 * transport × keep-conn combinations in more depth; two of them run here too for the table.
 */
import { afterAll } from 'vitest';
import { apacheModuleInstalled, startApache, startApacheFcgid } from '../servers/apache.js';
import { startCaddy } from '../servers/caddy.js';
import { startHaproxy } from '../servers/haproxy.js';
import { startLighttpd, startLighttpdSpawn } from '../servers/lighttpd.js';
import { startNginx } from '../servers/nginx.js';
import { installed } from '../servers/web-server.js';
import { describeBehindServer, type ServerTraits } from './behind-server.js';
import { CompatibilityRecorder } from './compatibility.js';
import { inProcess, spawned } from './deployments.js';

const recorder = new CompatibilityRecorder('servers');
afterAll(() => recorder.write());

function missing(what: string, ok: boolean): string | undefined {
  return ok ? undefined : `${what} is not installed`;
}

const nginxSkip = missing('nginx (apt-get install nginx)', installed('nginx'));
const proxyFcgiSkip = missing('apache2 with mod_proxy_fcgi (apt-get install apache2)', apacheModuleInstalled('proxy_fcgi'));
const fcgidSkip = missing('mod_fcgid (apt-get install libapache2-mod-fcgid)', apacheModuleInstalled('fcgid'));
const lighttpdSkip = missing('lighttpd (apt-get install lighttpd)', installed('lighttpd'));
const caddySkip = missing('caddy (apt-get install caddy)', installed('caddy'));
const haproxySkip = missing('haproxy (apt-get install haproxy)', installed('haproxy'));

const NGINX: ServerTraits = { streams: true, abortsOnDisconnect: true };
for (const [transport, keepConn, prefix] of [['unix', false, '/'], ['tcp', true, '/app/']] as const) {
  describeBehindServer({
    server: 'nginx',
    variant: `${transport}, keep-conn ${keepConn ? 'on' : 'off'}, at ${prefix}`,
    prefix,
    skip: nginxSkip,
    traits: NGINX,
    recorder,
    start: () => inProcess(transport, prefix, (upstream) => startNginx({ upstream, keepConn, prefix })),
  });
}

// mod_proxy_fcgi buffers responses unless the worker has flushpackets=on.
for (const [transport, reuse, prefix, flush] of [
  ['unix', false, '/', false],
  ['unix', true, '/app/', true],
  ['tcp', false, '/app/', true],
  ['tcp', true, '/', false],
] as const) {
  describeBehindServer({
    server: 'Apache mod_proxy_fcgi',
    variant: `${transport}, ${reuse ? 'enablereuse=on' : 'no reuse'}, ${flush ? 'flushpackets=on' : 'buffered'}, at ${prefix}`,
    prefix,
    skip: proxyFcgiSkip,
    traits: { streams: flush, abortsOnDisconnect: false },
    recorder,
    start: () => inProcess(transport, prefix, (upstream) => startApache({ upstream, reuse, prefix, buffering: !flush })),
  });
}
recorder.note('Apache mod_proxy_fcgi', 'SSE only with `flushpackets=on` on the worker; the browser leaving is not passed on');

for (const prefix of ['/', '/app/']) {
  describeBehindServer({
    server: 'Apache mod_fcgid',
    variant: `spawned on fd 0, at ${prefix}`,
    prefix,
    skip: fcgidSkip,
    traits: { streams: true, abortsOnDisconnect: false, spawnsApp: true },
    recorder,
    start: () => spawned(prefix, (app) => startApacheFcgid({ ...app, prefix, maxProcesses: 2 })),
  });
}

const LIGHTTPD: ServerTraits = { streams: true, abortsOnDisconnect: false };
for (const [transport, prefix] of [['unix', '/'], ['tcp', '/app/']] as const) {
  describeBehindServer({
    server: 'lighttpd',
    variant: `${transport}, at ${prefix}`,
    prefix,
    skip: lighttpdSkip,
    traits: LIGHTTPD,
    recorder,
    start: () => inProcess(transport, prefix, (upstream) => startLighttpd({ upstream, prefix, buffering: false })),
  });
}
describeBehindServer({
  server: 'lighttpd bin-path',
  variant: 'spawned on fd 0, at /app/',
  prefix: '/app/',
  skip: lighttpdSkip,
  traits: { ...LIGHTTPD, spawnsApp: true },
  recorder,
  start: () => spawned('/app/', (app) => startLighttpdSpawn({ ...app, prefix: '/app/', buffering: false })),
});

const CADDY: ServerTraits = { streams: true, abortsOnDisconnect: false };
for (const [transport, prefix] of [['unix', '/'], ['tcp', '/app/']] as const) {
  describeBehindServer({
    server: 'Caddy',
    variant: `${transport}, at ${prefix}`,
    prefix,
    skip: caddySkip,
    traits: CADDY,
    recorder,
    start: () => inProcess(transport, prefix, (upstream) => startCaddy({ upstream, prefix })),
  });
}

const HAPROXY: ServerTraits = { streams: true, abortsOnDisconnect: true };
for (const [transport, prefix] of [['unix', '/'], ['tcp', '/app/']] as const) {
  describeBehindServer({
    server: 'HAProxy',
    variant: `${transport}, at ${prefix}`,
    prefix,
    skip: haproxySkip,
    traits: HAPROXY,
    recorder,
    start: () => inProcess(transport, prefix, (upstream) => startHaproxy({ upstream, prefix })),
  });
}
