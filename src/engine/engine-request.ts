import { PairDecoder, ParamList, RecordType } from '../protocol/index.js';
import type { FastCGIRole } from '../types.js';
import type { InputStream } from './input-stream.js';
import { encodeOutput } from './output.js';

/** What a request needs from its connection. */
export interface RequestHost {
  write(chunks: readonly Uint8Array[]): boolean;
  writable(): Promise<void>;
  finish(request: EngineRequest): void;
  /**
   * Ends `request` so that the web server sees a broken response (see EngineRequest.fail);
   * `first` (records of the request's own) goes out in the same write.
   */
  fail(request: EngineRequest, first: readonly Uint8Array[]): void;
}

const utf8 = new TextEncoder();
const NO_TEXT: readonly string[] = [];
const NO_BYTES: readonly Uint8Array[] = [];

/**
 * One FastCGI request as the engine sees it: its params, its input streams, and the output
 * side (STDOUT, STDERR, END_REQUEST). Knows nothing of `Request`/`Response`.
 */
export class EngineRequest {
  /** CGI params in arrival order; names may repeat (nginx 1.22 repeats duplicated headers). */
  readonly params = new ParamList();
  #paramsDecoder: PairDecoder | undefined;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #done = false;
  #started = false;
  #onAbort: Array<(reason: unknown) => void> | undefined;

  constructor(
    /** When BEGIN_REQUEST came (ms since epoch): the params timeout counts from here. */
    readonly beganAt: number,
    readonly id: number,
    readonly role: FastCGIRole,
    readonly keepConn: boolean,
    readonly stdin: InputStream,
    /** The Filter role's DATA stream; null for other roles. */
    readonly data: InputStream | null,
    maxParamsBytes: number,
    private readonly host: RequestHost,
  ) {
    this.#paramsDecoder = new PairDecoder(maxParamsBytes);
  }

  /** Aborts when the web server aborts the request or the connection is lost; never after a normal end. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /**
   * Calls `listener` once if the request is aborted (cheaper than `signal`, which it does not
   * create). Returns a function that removes the listener.
   */
  whenAborted(listener: (reason: unknown) => void): () => void {
    if (this.#abortReason !== undefined) {
      listener(this.#abortReason);
      return () => {};
    }
    (this.#onAbort ??= []).push(listener);
    return () => {
      const index = this.#onAbort?.indexOf(listener) ?? -1;
      if (index >= 0) this.#onAbort!.splice(index, 1);
    };
  }

  get aborted(): boolean {
    return this.#abortReason !== undefined;
  }

  /** True once END_REQUEST went out or the connection is gone: further output is dropped. */
  get done(): boolean {
    return this.#done;
  }

  /** The first value of a param, as bytes. */
  param(name: string): Uint8Array | undefined {
    return this.params.get(name);
  }

  /** Writes STDOUT records; false means wait for `writable()` before writing more. */
  write(chunks: readonly Uint8Array[]): boolean {
    if (this.#done) return false;
    return this.host.write(encodeOutput(RecordType.STDOUT, this.id, chunks, undefined));
  }

  /** Resolves when the connection takes more output, or at once when the request is done. */
  writable(): Promise<void> {
    return this.#done ? Promise.resolve() : this.host.writable();
  }

  /** Writes one line to FCGI_STDERR (the web server's error log). */
  log(message: string): void {
    if (this.#done) return;
    const line = message.endsWith('\n') ? message : `${message}\n`;
    this.host.write(encodeOutput(RecordType.STDERR, this.id, [utf8.encode(line)], undefined));
  }

  /** Writes the last STDOUT bytes, closes STDOUT and sends END_REQUEST, all in one write. */
  end(chunks: readonly Uint8Array[] = NO_BYTES, appStatus = 0): void {
    this.endWith(NO_TEXT, chunks, appStatus);
  }

  /**
   * {@link end} with ASCII `texts` (a response head, or a whole small response) before `chunks`:
   * encoded straight into the output records, with no buffer of their own.
   */
  endWith(texts: readonly string[], chunks: readonly Uint8Array[] = NO_BYTES, appStatus = 0): void {
    if (this.#done) return;
    this.host.write(encodeOutput(RecordType.STDOUT, this.id, chunks, { appStatus }, texts));
    this.#done = true;
    this.host.finish(this);
  }

  /**
   * Ends the request as failed: for a response that broke after its head went out. No empty
   * STDOUT record and no END_REQUEST go out, which would tell the web server that the response
   * is complete (every server ignores END_REQUEST's appStatus); the connection instead sends
   * what web servers take for a broken upstream, so they cut the browser's transfer short, as
   * `node:http` does when a body fails. Later output is dropped.
   *
   * `logLine` goes to FCGI_STDERR in the same write as the failure: HAProxy 2.6.12 (Debian 12)
   * crashes on a STDERR record that arrives on its own in the middle of a response.
   */
  fail(logLine?: string): void {
    if (this.#done) return;
    this.#done = true;
    const first = logLine === undefined ? NO_BYTES : encodeOutput(RecordType.STDERR, this.id, [utf8.encode(`${logLine}\n`)], undefined);
    this.host.fail(this, first);
  }

  /** @internal Called by the connection. */
  pushParams(data: Uint8Array): void {
    const decoder = this.#paramsDecoder;
    if (decoder === undefined) return;
    decoder.push(data, this.params);
  }

  /** @internal Returns true the first time the PARAMS stream ends: the request can start. */
  endParams(): boolean {
    const decoder = this.#paramsDecoder;
    if (decoder === undefined) return false;
    decoder.end();
    this.#paramsDecoder = undefined;
    this.#started = true;
    return true;
  }

  /** @internal */
  get started(): boolean {
    return this.#started;
  }

  /**
   * @internal Aborts the request: fires `signal`, fails the input streams. When `answer` is set
   * (ABORT_REQUEST on a live connection), END_REQUEST goes out now; a handler that ignores the
   * signal can no longer write.
   */
  abort(reason: unknown, answer: boolean): void {
    if (this.#done) return;
    this.#abortReason = reason;
    this.stdin.fail(reason);
    this.data?.fail(reason);
    if (answer) this.end([], 1);
    else {
      this.#done = true;
      this.host.finish(this);
    }
    this.#controller?.abort(reason);
    const listeners = this.#onAbort;
    this.#onAbort = undefined;
    if (listeners) for (const listener of listeners) listener(reason);
  }
}
