/** The request body was longer than the configured `maxBodySize`; answered with 413. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly status = 413;
  constructor(readonly limit: number) {
    super(`request body exceeds the limit of ${limit} bytes`);
  }
}

/** The request body stopped arriving (see `bodyTimeout`); answered with 408. */
export class BodyTimeoutError extends Error {
  override readonly name = 'BodyTimeoutError';
  readonly status = 408;
  constructor(readonly timeout: number) {
    super(`no request body received for ${timeout} ms`);
  }
}

/**
 * The request body ended before the length it announced (CONTENT_LENGTH): the web server gave
 * up on an upload mid-way. Reads of the body reject with it; answered with 400.
 */
export class BodyIncompleteError extends Error {
  override readonly name = 'BodyIncompleteError';
  readonly status = 400;
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`request body ended after ${received} of the ${expected} bytes announced`);
  }
}

/** Lets an input stream stop and restart the reading of its connection. */
export interface FlowControl {
  hold(stream: InputStream): void;
  release(stream: InputStream): void;
}

const enum State {
  Open,
  Ended,
  Failed,
  Discarding,
}

/**
 * One FastCGI input stream (STDIN or DATA) of one request, exposed as a `ReadableStream`.
 * Chunks are queued until the stream is opened; once more than `highWaterMark` bytes wait
 * unread, the connection stops reading its socket until the consumer pulls.
 */
export class InputStream {
  #state = State.Open;
  #controller: ReadableByteStreamController | undefined;
  #early: Uint8Array<ArrayBuffer>[] | undefined;
  #earlyBytes = 0;
  #received = 0;
  #failure: unknown;
  #opened = false;
  /** The announced length (see setLength); Infinity when unknown. */
  #length = Number.POSITIVE_INFINITY;
  /** When input last came, or the stream was made (ms since epoch). */
  #lastInput: number;

  constructor(
    private readonly flow: FlowControl,
    private readonly highWaterMark: number,
    private readonly limit: number,
    /** When the stream was made (ms since epoch): the request's start, read once for both. */
    createdAt: number,
  ) {
    this.#lastInput = createdAt;
  }

  /** Bytes received so far, counting discarded ones. */
  get received(): number {
    return this.#received;
  }

  get ended(): boolean {
    return this.#state === State.Ended;
  }

  /**
   * The stream carries exactly `length` bytes (CONTENT_LENGTH, RFC 3875 §4.2): it ends as soon
   * as they are in, drops whatever comes after them, and fails with BodyIncompleteError when
   * the input ends short. Set it before opening the stream.
   */
  setLength(length: number): void {
    this.#length = length;
    if (this.#state === State.Ended && this.#received < length && this.#controller === undefined) {
      // The input ended before anyone said how long it would be.
      this.#state = State.Open;
      this.end();
    } else if (this.#state === State.Open && this.#received >= length) {
      this.#early = keepFirst(this.#early, length);
      this.#earlyBytes = Math.min(this.#earlyBytes, length);
      this.#complete();
    }
  }

  /** Still expecting input, and none came since `since` (ms since epoch). */
  waitingSince(since: number): boolean {
    return this.#state === State.Open && this.#lastInput <= since;
  }

  /**
   * The stream for the consumer (a byte stream: BYOB readers work); only once. Chunks are
   * copied on the way in, because a byte stream takes ownership of what it is given and the
   * engine's chunks are views into socket buffers shared with other records (and, on Deno,
   * overwritten by the next read).
   */
  open(): ReadableStream<Uint8Array> {
    if (this.#opened) throw new TypeError('input stream already opened');
    this.#opened = true;
    return new ReadableStream(
      {
        type: 'bytes',
        start: (controller: ReadableByteStreamController) => {
          this.#controller = controller;
          if (this.#early !== undefined) for (const chunk of this.#early) controller.enqueue(chunk);
          this.#early = undefined;
          this.#earlyBytes = 0;
          if (this.#state === State.Ended) controller.close();
          else if (this.#state === State.Failed) controller.error(this.#failure);
        },
        pull: () => {
          this.flow.release(this);
        },
        cancel: () => {
          this.discard();
        },
      },
      { highWaterMark: this.highWaterMark },
    ) as ReadableStream<Uint8Array>;
  }

  push(chunk: Uint8Array): void {
    const before = this.#received;
    this.#received = before + chunk.length;
    this.#lastInput = Date.now();
    if (this.#state !== State.Open) return;
    const length = this.#length;
    // Bytes past the announced length are dropped, so they do not count against the limit.
    if (Math.min(this.#received, length) > this.limit) {
      // Failed (not merely discarding): a reader that opens the stream later still gets the error.
      this.fail(new BodyTooLargeError(this.limit));
      return;
    }
    if (this.#received < length) {
      this.#deliver(chunk);
      return;
    }
    this.#deliver(this.#received === length ? chunk : chunk.subarray(0, length - before));
    this.#complete();
  }

  #deliver(chunk: Uint8Array): void {
    const controller = this.#controller;
    if (controller === undefined) {
      // Copied now (not when opened): the transport may reuse the buffer under `chunk`.
      (this.#early ??= []).push(new Uint8Array(chunk));
      this.#earlyBytes += chunk.length;
      if (this.#earlyBytes >= this.highWaterMark) this.flow.hold(this);
      return;
    }
    // new Uint8Array(view) copies; Buffer#slice (the socket's chunks are Buffers) would not.
    controller.enqueue(new Uint8Array(chunk));
    if ((controller.desiredSize ?? 0) <= 0) this.flow.hold(this);
  }

  end(): void {
    if (this.#state !== State.Open) return;
    if (this.#length !== Number.POSITIVE_INFINITY && this.#received < this.#length) {
      this.fail(new BodyIncompleteError(this.#length, this.#received));
      return;
    }
    this.#state = State.Ended;
    this.#controller?.close();
  }

  /** All announced bytes are in: the consumer's stream ends now, the rest of the input is dropped. */
  #complete(): void {
    this.#state = State.Ended;
    this.#controller?.close();
    this.flow.release(this);
  }

  /** Errors the consumer's reads (abort, lost connection, too large). */
  fail(reason: unknown): void {
    if (this.#state !== State.Open) return;
    this.#state = State.Failed;
    this.#failure = reason;
    this.#early = undefined;
    this.#controller?.error(reason);
    this.flow.release(this);
  }

  /**
   * Nobody will read the rest: drop what is queued and what still comes. A reader still
   * waiting (the request ended first) gets an error instead of waiting forever.
   */
  discard(): void {
    if (this.#state === State.Open) {
      this.#state = State.Discarding;
      try {
        this.#controller?.error(new DOMException('the FastCGI request has already ended', 'AbortError'));
      } catch {
        // Already cancelled by its reader.
      }
    }
    this.#early = undefined;
    this.#earlyBytes = 0;
    this.flow.release(this);
  }
}

/** The first `length` bytes of `chunks`. */
function keepFirst(chunks: Uint8Array<ArrayBuffer>[] | undefined, length: number): Uint8Array<ArrayBuffer>[] | undefined {
  if (chunks === undefined) return undefined;
  const kept: Uint8Array<ArrayBuffer>[] = [];
  let left = length;
  for (const chunk of chunks) {
    if (left === 0) break;
    kept.push(chunk.length <= left ? chunk : chunk.subarray(0, left));
    left -= Math.min(chunk.length, left);
  }
  return kept;
}
