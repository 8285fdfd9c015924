import type { Readable, Writable } from 'node:stream';
import { BodyIncompleteError, InputStream, type FlowControl } from '../engine/input-stream.js';
import { DEFAULT_LIMITS } from '../engine/limits.js';
import { EngineRequest } from '../engine/engine-request.js';
import { handleRequest } from '../fetch/handle-request.js';
import { encodePairs } from '../protocol/index.js';
import { toHandler } from '../fetch/to-handler.js';
import type { App, ErrorHandler } from '../types.js';
import { paramsFromEnvironment, scrubRequestProxy, type Environment } from './environment.js';
import { CgiOutputHost } from './cgi-output-host.js';

/** Where a CGI request comes from and goes to; defaults are the process's own. */
export interface CgiOptions {
  /** The CGI meta-variables; default `process.env`. */
  env?: Environment;
  /** The request body; default `process.stdin`. */
  stdin?: Readable;
  /** Receives the CGI response (`Status:`, headers, blank line, body); default `process.stdout`. */
  stdout?: Writable;
  /** Receives log lines (the web server's error log); default `process.stderr`. */
  stderr?: Writable;
  /** Most request-body bytes; more is answered 413. Default 100 MiB. */
  maxBodySize?: number;
  /** Turns a failure into a response, as in `serve()`. */
  onError?: ErrorHandler;
  /**
   * Abort `request.signal` when the process gets this signal (mod_cgid sends SIGTERM when the
   * browser leaves); `false` leaves signals alone. Default 'SIGTERM'.
   */
  abortOn?: NodeJS.Signals | false;
}

/** Feeds at most `length` bytes (all of it when undefined) of `source` into `input`, pausing with it. */
function pipeBody(source: Readable, input: InputStream, length: number | undefined, controls: { flow: FlowControl }): () => void {
  let remaining = length ?? Infinity;
  let reading = false;
  const stop = () => {
    source.off('data', onData);
    source.off('end', onEnd);
    source.off('error', onError);
    source.pause();
  };
  const onData = (chunk: Buffer) => {
    const piece = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
    remaining -= piece.length;
    input.push(new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength));
    if (remaining === 0) {
      input.end();
      stop();
    }
  };
  const onEnd = () => {
    // Fewer bytes than CONTENT_LENGTH promised: the body is cut, not complete.
    if (length !== undefined && remaining > 0) input.fail(new BodyIncompleteError(length, length - remaining));
    else input.end();
    stop();
  };
  const onError = (error: Error) => {
    input.fail(error);
    stop();
  };
  controls.flow = {
    hold: () => source.pause(),
    release: () => {
      if (!reading) {
        reading = true;
        source.on('data', onData).once('end', onEnd).once('error', onError);
      }
      source.resume();
    },
  };
  if (remaining === 0) input.end();
  return stop;
}

/**
 * Handles one CGI request with a fetch handler: the request comes from the environment and
 * stdin (RFC 3875), the response goes to stdout as `Status:` + headers + body. Resolves once
 * the response is written and `waitUntil` work has settled; never rejects for a failing handler
 * (that becomes a 500, or `onError`'s response).
 *
 * Removes a request's HTTP_PROXY from `process.env` first (httpoxy).
 */
export async function runCgi(app: App, options: CgiOptions = {}): Promise<void> {
  const fetch = toHandler(app);
  // A copy: scrubbing HTTP_PROXY from process.env must not take the header from the request too.
  const env = options.env ?? { ...process.env };
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const maxBodySize = options.maxBodySize ?? DEFAULT_LIMITS.maxBodySize;
  scrubRequestProxy(env);

  const declared = env.CONTENT_LENGTH?.trim();
  const length = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
  const controls: { flow: FlowControl } = { flow: { hold() {}, release() {} } };
  const flow: FlowControl = { hold: (s) => controls.flow.hold(s), release: (s) => controls.flow.release(s) };
  const now = Date.now();
  const body = new InputStream(flow, DEFAULT_LIMITS.bodyHighWaterMark, maxBodySize, now);
  const stopBody = pipeBody(stdin, body, length, controls);

  const host = new CgiOutputHost(stdout, stderr);
  const request = new EngineRequest(now, 1, 'responder', false, body, null, DEFAULT_LIMITS.maxParamsBytes, host);
  request.pushParams(encodePairs(paramsFromEnvironment(env)));
  request.endParams();

  const abort = (reason: unknown) => {
    host.markBroken();
    request.abort(reason, false);
  };
  const onSignal = () => abort(new DOMException('The web server stopped the CGI request', 'AbortError'));
  const onBrokenPipe = () => abort(new DOMException('The web server closed the CGI output', 'AbortError'));
  if (options.abortOn !== false) process.on(options.abortOn ?? 'SIGTERM', onSignal);
  stdout.on('error', onBrokenPipe);

  const pending: Promise<unknown>[] = [];
  try {
    await handleRequest(request, {
      fetch,
      onError: options.onError,
      waitUntil: (promise) => pending.push(promise.catch(() => {})),
      maxBodySize,
      log: (line) => stderr.write(`${line}\n`),
    });
    await Promise.all(pending);
    await new Promise<void>((resolve) => (stdout.writableLength === 0 || host.isBroken ? resolve() : stdout.write('', () => resolve())));
  } finally {
    if (options.abortOn !== false) process.off(options.abortOn ?? 'SIGTERM', onSignal);
    stdout.off('error', onBrokenPipe);
    // A late EPIPE (the web server already gone) has nobody left to tell.
    stdout.on('error', () => {});
    stopBody();
    // An unread stdin would keep the process alive after the response.
    if (stdin === process.stdin) stdin.destroy();
  }
}
