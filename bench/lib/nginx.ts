/**
 * One nginx (1 worker, loopback) in front of every contender: for each, a port with upstream
 * keep-alive (`fastcgi_keep_conn on` / HTTP/1.1 to the upstream) and a port without (a new
 * upstream connection per request, nginx's default). Config and temp files live in a temp dir.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PHP_SCRIPT } from '../targets/php.js';
import { freePorts, start, waitForEndpoint, type Started } from './processes.js';

export interface Upstream {
  /** Key used to look up its ports. */
  readonly key: string;
  readonly protocol: 'fastcgi' | 'http';
  readonly socket: string;
  /** Unbuffered both ways, no body limit: the streaming-memory measurement. */
  readonly streaming?: boolean;
}

export interface Nginx {
  /** The loopback port in front of `key`, with or without upstream keep-alive. */
  port(key: string, keepAlive: boolean): number;
  readonly process: Started;
  stop(): Promise<void>;
}

const KEEPALIVE_CONNECTIONS = 64;

function location(upstream: Upstream, name: string, keepAlive: boolean): string {
  const unbuffered = upstream.streaming
    ? `            fastcgi_buffering off;\n            fastcgi_request_buffering off;\n            proxy_buffering off;\n            proxy_request_buffering off;\n`
    : '';
  if (upstream.protocol === 'http') {
    const keep = keepAlive ? `            proxy_http_version 1.1;\n            proxy_set_header Connection "";\n` : '';
    return `${keep}${unbuffered}            proxy_pass http://${name};\n`;
  }
  return `            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME ${PHP_SCRIPT};
            fastcgi_keep_conn ${keepAlive ? 'on' : 'off'};
${unbuffered}            fastcgi_pass ${name};
`;
}

/**
 * Starts nginx for `upstreams`; resolves when every port accepts connections. A port picked free
 * can be taken by another process before nginx binds it, so a start that fails is tried again on
 * new ports (twice).
 */
export async function startNginx(dir: string, upstreams: readonly Upstream[]): Promise<Nginx> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNginxOnce(dir, upstreams);
    } catch (error) {
      if (attempt === 3) throw error;
      console.error(`nginx did not start (attempt ${attempt}), trying new ports: ${(error as Error).message}`);
    }
  }
}

async function startNginxOnce(dir: string, upstreams: readonly Upstream[]): Promise<Nginx> {
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  const ports = new Map<string, number>();
  let blocks = '';
  const free = await freePorts(upstreams.length * 2);
  let index = 0;
  for (const upstream of upstreams) {
    for (const keepAlive of [true, false]) {
      const name = `u${index}`;
      const port = free[index++]!;
      ports.set(`${upstream.key}|${keepAlive}`, port);
      blocks += `    upstream ${name} {
        server unix:${upstream.socket};
${keepAlive ? `        keepalive ${KEEPALIVE_CONNECTIONS};\n` : ''}    }
    server {
        listen 127.0.0.1:${port} backlog=4096;
        location / {
${location(upstream, name, keepAlive)}        }
    }
`;
    }
  }
  const config = `# written by bench/lib/nginx.ts
daemon off;
master_process on;
user root;
worker_processes 1;
worker_rlimit_nofile 65536;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {
    worker_connections 16384;
}
http {
    access_log off;
    client_body_temp_path ${dir}/tmp/body;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    proxy_temp_path ${dir}/tmp/proxy;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;
    client_max_body_size 0;
    keepalive_requests 1000000;
    fastcgi_read_timeout 600s;
    fastcgi_send_timeout 600s;
    proxy_read_timeout 600s;
    proxy_send_timeout 600s;
${blocks}}
`;
  const file = path.join(dir, 'nginx.conf');
  fs.writeFileSync(file, config);
  const process = start('nginx', 'nginx', ['-p', dir, '-c', file], { logFile: path.join(dir, 'nginx.log') });
  const first = ports.values().next().value;
  if (first !== undefined) {
    try {
      await waitForEndpoint({ port: first }, process);
    } catch (error) {
      await process.stop();
      // nginx says why in its error log; without it a failed run is a guess.
      const log = ['error.log', 'nginx.log']
        .map((name) => path.join(dir, name))
        .filter((file) => fs.existsSync(file))
        .map((file) => fs.readFileSync(file, 'utf8').trim())
        .join('\n');
      throw new Error(`${(error as Error).message}: ${log.split('\n').slice(-5).join(' | ')}`);
    }
  }
  return {
    process,
    port(key, keepAlive) {
      const port = ports.get(`${key}|${keepAlive}`);
      if (port === undefined) throw new Error(`no nginx port for ${key}`);
      return port;
    },
    stop: () => process.stop(),
  };
}
