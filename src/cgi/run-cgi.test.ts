import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { App, FastCGIContext } from '../types.js';
import { BodyIncompleteError } from '../engine/input-stream.js';
import { isCgiEnvironment, scrubRequestProxy } from './environment.js';
import { runCgi, type CgiOptions } from './run-cgi.js';

const BASE_ENV = {
  GATEWAY_INTERFACE: 'CGI/1.1',
  REQUEST_METHOD: 'GET',
  REQUEST_URI: '/p/caf%C3%A9?x=1',
  HTTP_HOST: '127.0.0.1:8080',
  SERVER_PORT: '8080',
  REMOTE_ADDR: '127.0.0.1',
};

/** Runs one CGI request in memory and returns everything written to stdout and stderr. */
async function cgi(handler: App, env: Record<string, string>, body?: Uint8Array | string, options: CgiOptions = {}) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (d: Buffer) => out.push(d));
  stderr.on('data', (d: Buffer) => err.push(d));
  if (body !== undefined) stdin.end(body);
  await runCgi(handler, { env: { ...BASE_ENV, ...env }, stdin, stdout, stderr, abortOn: false, ...options });
  return { stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('utf8') };
}

describe('runCgi', () => {
  it('rebuilds the public URL, method and headers from the environment', async () => {
    const { stdout } = await cgi(
      (request, context) =>
        Response.json({ url: request.url, method: request.method, h: request.headers.get('x-a'), remote: context.remoteAddress, role: context.role }),
      { HTTP_X_A: 'b' },
    );
    const [head, body] = stdout.split('\r\n\r\n');
    expect(head).toMatch(/^Status: 200 OK\r\n/);
    expect(head).toMatch(/content-type: application\/json/);
    expect(JSON.parse(body!)).toEqual({ url: 'http://127.0.0.1:8080/p/caf%C3%A9?x=1', method: 'GET', h: 'b', remote: '127.0.0.1', role: 'responder' });
  });

  it('reads exactly CONTENT_LENGTH bytes of a POST body from stdin', async () => {
    const { stdout } = await cgi(
      async (request) => new Response(`got ${await request.text()}`),
      { REQUEST_METHOD: 'POST', CONTENT_LENGTH: '5', CONTENT_TYPE: 'text/plain' },
      'hello and more',
    );
    expect(stdout).toMatch(/\r\n\r\ngot hello$/);
  });

  it('answers 400 when stdin ends before CONTENT_LENGTH, the read rejecting with BodyIncompleteError', async () => {
    let failure: unknown;
    const { stdout, stderr } = await cgi(
      async (request) => {
        try {
          return new Response(await request.text());
        } catch (error) {
          failure = error;
          throw error;
        }
      },
      { REQUEST_METHOD: 'POST', CONTENT_LENGTH: '100' },
      'only this',
    );
    expect(stdout).toMatch(/^Status: 400 Bad Request\r\n/);
    expect(failure).toBeInstanceOf(BodyIncompleteError);
    expect(stderr).toContain('request body ended after 9 of the 100 bytes announced');
  });

  it('writes one line per Set-Cookie and a status with no body for 204', async () => {
    const headers = new Headers();
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    const cookies = await cgi(() => new Response('x', { headers }), {});
    expect(cookies.stdout.match(/set-cookie: [^\r]*/g)).toEqual(['set-cookie: a=1', 'set-cookie: b=2']);
    const empty = await cgi(() => new Response(null, { status: 204 }), {});
    expect(empty.stdout).toBe('Status: 204 No Content\r\n\r\n');
  });

  it('answers 500 and logs to stderr when the handler throws', async () => {
    const { stdout, stderr } = await cgi(() => {
      throw new Error('boom');
    }, {});
    expect(stdout).toMatch(/^Status: 500 Internal Server Error\r\n/);
    expect(stderr).toContain('boom');
  });

  it('answers 413 without calling the handler when CONTENT_LENGTH exceeds maxBodySize', async () => {
    let called = false;
    const { stdout } = await cgi(
      () => {
        called = true;
        return new Response('no');
      },
      { REQUEST_METHOD: 'POST', CONTENT_LENGTH: '100' },
      'x'.repeat(100),
      { maxBodySize: 10 },
    );
    expect(stdout).toMatch(/^Status: 413/);
    expect(called).toBe(false);
  });

  it('streams a body chunk by chunk to stdout', async () => {
    const encoder = new TextEncoder();
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((r) => setTimeout(r, 5));
        if (i === 3) return controller.close();
        controller.enqueue(encoder.encode(`data: ${i++}\n\n`));
      },
    });
    const { stdout } = await cgi(() => new Response(body, { headers: { 'content-type': 'text/event-stream' } }), {});
    expect(stdout.split('\r\n\r\n')[1]).toBe('data: 0\n\ndata: 1\n\ndata: 2\n\n');
  });

  it("never leaves a request's Proxy header in process.env as HTTP_PROXY (httpoxy)", async () => {
    process.env.HTTP_PROXY = 'http://attacker.example:8080';
    try {
      const { stdout } = await cgi((request) => new Response(`${process.env.HTTP_PROXY ?? 'unset'} ${request.headers.get('proxy')}`), {
        HTTP_PROXY: 'http://attacker.example:8080',
      });
      expect(stdout).toMatch(/\r\n\r\nunset http:\/\/attacker\.example:8080$/);
      expect(process.env.HTTP_PROXY).toBeUndefined();
    } finally {
      delete process.env.HTTP_PROXY;
    }
  });

  it('keeps the Proxy header on the request when it reads process.env itself, as a real CGI run does', async () => {
    const vars = { ...BASE_ENV, HTTP_PROXY: 'http://attacker.example:8080' };
    const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
    Object.assign(process.env, vars);
    const stdout = new PassThrough();
    const out: Buffer[] = [];
    stdout.on('data', (d: Buffer) => out.push(d));
    try {
      const stdin = new PassThrough();
      stdin.end();
      await runCgi((request) => new Response(`${process.env.HTTP_PROXY ?? 'unset'} ${request.headers.get('proxy')}`), { stdin, stdout, abortOn: false });
      expect(Buffer.concat(out).toString('latin1')).toMatch(/\r\n\r\nunset http:\/\/attacker\.example:8080$/);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('keeps an operator-set HTTP_PROXY that did not come from the request', () => {
    const processEnv: Record<string, string> = { HTTP_PROXY: 'http://proxy.internal:3128' };
    expect(scrubRequestProxy({ GATEWAY_INTERFACE: 'CGI/1.1' }, processEnv)).toBe(false);
    expect(processEnv.HTTP_PROXY).toBe('http://proxy.internal:3128');
  });

  it('waits for waitUntil work before resolving', async () => {
    let finished = false;
    await cgi((_request, context: FastCGIContext) => {
      context.waitUntil(new Promise<void>((r) => setTimeout(r, 20)).then(() => void (finished = true)));
      return new Response('ok');
    }, {});
    expect(finished).toBe(true);
  });

  it('recognises a CGI environment by GATEWAY_INTERFACE', () => {
    expect(isCgiEnvironment({ GATEWAY_INTERFACE: 'CGI/1.1' })).toBe(true);
    expect(isCgiEnvironment({})).toBe(false);
    expect(isCgiEnvironment({ GATEWAY_INTERFACE: 'something else' })).toBe(false);
  });
});
