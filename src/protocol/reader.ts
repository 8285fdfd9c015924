import { HEADER_LENGTH, VERSION, isStreamType } from './constants.js';
import { FastCGIProtocolError } from './protocol-error.js';

/** Where a {@link RecordReader} delivers what it decodes. */
export interface RecordHandler {
  /** A whole non-stream record (BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST, GET_VALUES, …). */
  record(type: number, requestId: number, content: Uint8Array): void;
  /** A non-empty piece of a stream record's content: a view, never a copy. */
  streamData(type: number, requestId: number, data: Uint8Array): void;
  /** An empty stream record: the end of that stream. */
  streamEnd(type: number, requestId: number): void;
}

const enum State {
  Header,
  Content,
  Padding,
}

/**
 * Incremental record decoder fed arbitrary chunks (one byte at a time works). Stream content is
 * handed on as slices of the input as it arrives; the short content of other records is
 * gathered whole (copied only when it straddles chunks). Padding is skipped.
 */
export class RecordReader {
  #state = State.Header;
  /** A header that straddles chunks is gathered here (made only then). */
  #header: Uint8Array | undefined;
  #headerFilled = 0;
  #type = 0;
  #requestId = 0;
  #remaining = 0;
  #padding = 0;
  #content: Uint8Array | undefined;
  #contentFilled = 0;

  constructor(private readonly handler: RecordHandler) {}

  /** True between records: nothing half-read is pending. */
  get idle(): boolean {
    return this.#state === State.Header && this.#headerFilled === 0;
  }

  /**
   * Decodes `chunk`. Throws {@link FastCGIProtocolError} on a bad version; the reader is
   * unusable afterwards. Errors thrown by the handler propagate.
   */
  push(chunk: Uint8Array): void {
    let offset = 0;
    const length = chunk.length;
    while (offset < length) {
      switch (this.#state) {
        case State.Header: {
          if (this.#headerFilled === 0 && length - offset >= HEADER_LENGTH) {
            this.#startRecord(chunk, offset);
            offset += HEADER_LENGTH;
          } else {
            const take = Math.min(HEADER_LENGTH - this.#headerFilled, length - offset);
            const header = (this.#header ??= new Uint8Array(HEADER_LENGTH));
            header.set(chunk.subarray(offset, offset + take), this.#headerFilled);
            this.#headerFilled += take;
            offset += take;
            if (this.#headerFilled < HEADER_LENGTH) return;
            this.#headerFilled = 0;
            this.#startRecord(header, 0);
          }
          break;
        }
        case State.Content: {
          const take = Math.min(this.#remaining, length - offset);
          const piece = chunk.subarray(offset, offset + take);
          offset += take;
          this.#remaining -= take;
          if (isStreamType(this.#type)) {
            this.handler.streamData(this.#type, this.#requestId, piece);
          } else if (this.#content === undefined && this.#remaining === 0) {
            this.handler.record(this.#type, this.#requestId, piece);
          } else {
            this.#content ??= new Uint8Array(piece.length + this.#remaining);
            this.#content.set(piece, this.#contentFilled);
            this.#contentFilled += piece.length;
            if (this.#remaining === 0) {
              const content = this.#content;
              this.#content = undefined;
              this.#contentFilled = 0;
              this.handler.record(this.#type, this.#requestId, content);
            }
          }
          if (this.#remaining === 0) this.#state = this.#padding > 0 ? State.Padding : State.Header;
          break;
        }
        case State.Padding: {
          const take = Math.min(this.#padding, length - offset);
          offset += take;
          this.#padding -= take;
          if (this.#padding === 0) this.#state = State.Header;
          break;
        }
      }
    }
  }

  #startRecord(bytes: Uint8Array, at: number): void {
    const version = bytes[at]!;
    if (version !== VERSION) {
      throw new FastCGIProtocolError(`unsupported FastCGI protocol version ${version} (expected ${VERSION})`);
    }
    this.#type = bytes[at + 1]!;
    this.#requestId = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    this.#remaining = (bytes[at + 4]! << 8) | bytes[at + 5]!;
    this.#padding = bytes[at + 6]!;
    if (this.#remaining > 0) {
      this.#state = State.Content;
      return;
    }
    this.#state = this.#padding > 0 ? State.Padding : State.Header;
    if (isStreamType(this.#type)) this.handler.streamEnd(this.#type, this.#requestId);
    else this.handler.record(this.#type, this.#requestId, EMPTY);
  }
}

const EMPTY = new Uint8Array(0);
