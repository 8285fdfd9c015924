import { RecordType, encodeBeginRequest, encodePairs, encodeRecord, ProtocolStatus } from '../protocol/index.js';
import { isNullBodyStatus } from '../http/null-body-status.js';
import { CgiHeadParser } from './parse-cgi-head.js';
import { FastCGIRejectedError, FastCGIResponseAbortedError, FastCGITimeoutError } from './client-errors.js';
import { streamRecords } from './stream-records.js';
import { LineSplitter } from './stderr-lines.js';

/** What one exchange needs from its connection. */
export interface ExchangeHost {
  readonly multiplexed: boolean;
  write(chunks: readonly Uint8Array[]): boolean;
  writable(): Promise<void>;
  /** Stop reading: a response body has more unread bytes than its high-water mark. */
  hold(exchange: Exchange): void;
  release(exchange: Exchange): void;
  /** Stop the request on the application side (ABORT_REQUEST, or closing the connection). */
  abort(exchange: Exchange): void;
}

/** A request body or Filter DATA: bytes at hand (replayable) or a stream. */
export type BodySource = Uint8Array | ReadableStream<Uint8Array> | null;

export interface ExchangeInit {
  role: number;
  keepConn: boolean;
  params: Iterable<readonly [string, string]>;
  body: BodySource;
  /** Filter only; otherwise null. */
  data: BodySource;
  isHead: boolean;
  signal: AbortSignal;
  /** Milliseconds to wait for the response head. */
  timeout: number;
  maxHeadSize: number;
  recordSize: number;
  bodyHighWaterMark: number;
  onStderr: ((line: string) => void) | undefined;
}

/** How a request ended: END_REQUEST's appStatus (the exit status) and every STDERR line. */
export interface Completion {
  appStatus: number;
  stderr: string[];
}

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * One request on a client connection: sends BEGIN_REQUEST, PARAMS, STDIN (and DATA), turns
 * STDOUT into a `Response` and STDERR into lines, and settles on END_REQUEST.
 */
export class Exchange {
  readonly #host: ExchangeHost;
  readonly #init: ExchangeInit;
  readonly #response = deferred<Response>();
  readonly #completed = deferred<Completion>();
  readonly #head: CgiHeadParser;
  readonly #stderr: string[] = [];
  readonly #lines: LineSplitter;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #bodyOpen = false;
  #headDone = false;
  /** END_REQUEST arrived or the connection is gone: nothing more comes for this id. */
  #ended = false;
  /** The caller's side is settled with an error; the id stays taken until END_REQUEST. */
  #failed = false;
  /** The application sent ABORT_REQUEST: its response broke off. */
  #brokenOff = false;
  #receivedAny = false;
  #pumping: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onAbort = () => this.abort(this.#init.signal.reason);

  constructor(
    readonly id: number,
    host: ExchangeHost,
    init: ExchangeInit,
  ) {
    this.#host = host;
    this.#init = init;
    this.#head = new CgiHeadParser(init.maxHeadSize);
    this.#lines = new LineSplitter((line) => {
      this.#stderr.push(line);
      init.onStderr?.(line);
    });
    this.#completed.promise.catch(() => {});
  }

  /** Resolves with the response once its head has arrived. */
  get response(): Promise<Response> {
    return this.#response.promise;
  }

  /** Resolves at END_REQUEST; rejects when the request failed or was aborted first. */
  get completed(): Promise<Completion> {
    return this.#completed.promise;
  }

  /** True while no byte came back for this request: a fresh attempt elsewhere is safe. */
  get untouched(): boolean {
    return !this.#receivedAny;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Sends the request. Input errors abort the exchange; this never rejects. */
  async start(): Promise<void> {
    const { signal, timeout } = this.#init;
    if (signal.aborted) {
      this.#settleError(signal.reason);
      this.#ended = true;
      return;
    }
    signal.addEventListener('abort', this.#onAbort, { once: true });
    if (timeout > 0 && Number.isFinite(timeout)) {
      this.#timer = setTimeout(() => {
        this.abort(new FastCGITimeoutError(`no response head within ${timeout} ms`));
      }, timeout);
    }
    const { role, keepConn, params, body, data, recordSize } = this.#init;
    const first = [encodeBeginRequest(this.id, role, keepConn), ...streamRecords(RecordType.PARAMS, this.id, encodePairs(params), recordSize, true)];
    if (body === null) first.push(encodeRecord(RecordType.STDIN, this.id));
    let writable = this.#host.write(first);
    try {
      if (body !== null) writable = await this.#pump(RecordType.STDIN, body, writable);
      if (data !== null) await this.#pump(RecordType.DATA, data, writable);
    } catch (error) {
      this.abort(error);
    }
  }

  /** Stops the request: the caller sees `reason`; the application is told (ABORT_REQUEST or close). */
  abort(reason: unknown): void {
    if (this.#ended || this.#failed) return;
    this.#settleError(reason);
    this.#host.abort(this);
  }

  // fed by the connection

  stdout(data: Uint8Array): void {
    this.#receivedAny = true;
    if (this.#failed) return;
    if (!this.#headDone) {
      let parsed: ReturnType<CgiHeadParser['push']>;
      try {
        parsed = this.#head.push(data);
      } catch (error) {
        this.abort(error);
        return;
      }
      if (parsed === undefined) return;
      this.#headDone = true;
      this.#openBody(parsed.head.status, parsed.head.statusText, parsed.head.headers, parsed.rest);
      return;
    }
    this.#enqueue(data);
  }

  stdoutEnd(): void {
    if (this.#failed) return;
    if (!this.#headDone) {
      try {
        this.#head.end();
      } catch (error) {
        this.abort(error);
      }
      return;
    }
    this.#closeBody();
  }

  stderr(data: Uint8Array): void {
    this.#receivedAny = true;
    this.#lines.push(data);
  }

  get isBrokenOff(): boolean {
    return this.#brokenOff;
  }

  /**
   * The application sent ABORT_REQUEST for this request: its response broke off mid-way (the
   * body failed after the head went out). The caller sees an error, not a short body that
   * looks complete; the id stays taken until END_REQUEST or the connection closes.
   */
  brokenOff(): void {
    this.#receivedAny = true;
    this.#brokenOff = true;
    this.#settleError(new FastCGIResponseAbortedError('the FastCGI application broke off its response: its body failed after the head was sent'));
  }

  /** END_REQUEST: the id is free again. */
  end(appStatus: number, protocolStatus: number): void {
    this.#receivedAny = true;
    this.#ended = true;
    this.#cleanup();
    // The application answered without reading all of the body: nobody else will.
    this.#pumping?.cancel().catch(() => {});
    this.#lines.end();
    if (!this.#failed) {
      if (protocolStatus !== ProtocolStatus.REQUEST_COMPLETE) this.#settleError(new FastCGIRejectedError(protocolStatus));
      else if (!this.#headDone) {
        try {
          this.#head.end();
        } catch (error) {
          this.#settleError(error);
        }
      } else this.#closeBody();
    }
    this.#completed.resolve({ appStatus, stderr: this.#stderr });
  }

  /** The connection is gone (closed, broken, or a protocol violation). */
  lost(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#cleanup();
    this.#lines.end();
    this.#settleError(error);
  }

  // internals

  async #pump(type: number, source: Uint8Array | ReadableStream<Uint8Array>, writable: boolean): Promise<boolean> {
    const { recordSize } = this.#init;
    if (source instanceof Uint8Array) {
      // Large buffered bodies still go out in pieces, so other requests' records interleave.
      const piece = 256 * 1024;
      for (let at = 0; at < source.length; at += piece) {
        if (!writable) await this.#host.writable();
        if (this.#ended || this.#failed) return false;
        writable = this.#host.write(streamRecords(type, this.id, source.subarray(at, at + piece), recordSize, false));
      }
    } else {
      const reader = source.getReader();
      this.#pumping = reader;
      try {
        for (;;) {
          if (!writable) await this.#host.writable();
          if (this.#ended || this.#failed) {
            reader.cancel().catch(() => {});
            return false;
          }
          const { done, value } = await reader.read();
          if (done) break;
          if (this.#ended || this.#failed) return false;
          writable = this.#host.write(streamRecords(type, this.id, value, recordSize, false));
        }
      } finally {
        this.#pumping = undefined;
        reader.releaseLock();
      }
    }
    if (this.#ended || this.#failed) return false;
    return this.#host.write([encodeRecord(type, this.id)]);
  }

  #openBody(status: number, statusText: string, headers: Headers, rest: Uint8Array): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    let body: ReadableStream<Uint8Array> | null = null;
    if (!this.#init.isHead && !isNullBodyStatus(status)) {
      this.#bodyOpen = true;
      body = new ReadableStream<Uint8Array>(
        {
          start: (controller) => {
            this.#controller = controller;
          },
          pull: () => this.#host.release(this),
          cancel: (reason) => {
            this.#bodyOpen = false;
            this.#host.release(this);
            // The reader lost interest: stop the application unless it has already finished.
            if (!this.#ended) this.abort(reason ?? new DOMException('The response body was cancelled', 'AbortError'));
          },
        },
        { highWaterMark: this.#init.bodyHighWaterMark, size: (chunk) => chunk.byteLength },
      );
    }
    let response: Response;
    try {
      response = new Response(body, { status, statusText, headers });
    } catch (error) {
      this.abort(error);
      return;
    }
    if (rest.length > 0) this.#enqueue(rest);
    this.#response.resolve(response);
  }

  #enqueue(data: Uint8Array): void {
    const controller = this.#controller;
    if (controller === undefined || !this.#bodyOpen) return;
    controller.enqueue(data);
    if ((controller.desiredSize ?? 0) <= 0) this.#host.hold(this);
  }

  #closeBody(): void {
    if (!this.#bodyOpen) return;
    this.#bodyOpen = false;
    this.#controller?.close();
    this.#host.release(this);
  }

  #settleError(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#cleanup();
    this.#response.reject(error);
    this.#completed.reject(error);
    if (this.#bodyOpen) {
      this.#bodyOpen = false;
      this.#controller?.error(error);
    }
    this.#pumping?.cancel(error).catch(() => {});
    this.#host.release(this);
  }

  #cleanup(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#init.signal.removeEventListener('abort', this.#onAbort);
  }
}
