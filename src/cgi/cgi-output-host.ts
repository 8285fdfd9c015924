import type { Writable } from 'node:stream';
import type { EngineRequest, RequestHost } from '../engine/engine-request.js';
import { RecordReader, RecordType } from '../protocol/index.js';

/**
 * The output side of a CGI request: takes the FastCGI records a request writes and sends their
 * STDOUT content to `stdout` and their STDERR content to `stderr`, so that the whole response
 * path of FastCGI mode (head encoding, streaming, errors) serves CGI mode unchanged.
 */
export class CgiOutputHost implements RequestHost {
  readonly #stdout: Writable;
  readonly #reader: RecordReader;
  #writable = true;
  #broken = false;
  readonly finished: Promise<void>;
  #finish!: () => void;

  constructor(stdout: Writable, stderr: Writable) {
    this.#stdout = stdout;
    this.finished = new Promise((resolve) => (this.#finish = resolve));
    this.#reader = new RecordReader({
      record: () => {},
      streamEnd: () => {},
      streamData: (type, _id, data) => {
        if (type === RecordType.STDERR) {
          stderr.write(data.slice());
          return;
        }
        if (type !== RecordType.STDOUT || this.#broken) return;
        // Copy: the reader hands out views of buffers the request may reuse.
        this.#writable = stdout.write(data.slice());
      },
    });
  }

  get isBroken(): boolean {
    return this.#broken;
  }

  /** The web server stopped reading (the browser left): output is dropped from now on. */
  markBroken(): void {
    this.#broken = true;
  }

  write(chunks: readonly Uint8Array[]): boolean {
    this.#writable = true;
    for (const chunk of chunks) this.#reader.push(chunk);
    return this.#writable || this.#broken;
  }

  writable(): Promise<void> {
    if (this.#writable || this.#broken) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#stdout.off('drain', done);
        this.#stdout.off('error', done);
        this.#stdout.off('close', done);
        resolve();
      };
      this.#stdout.once('drain', done).once('error', done).once('close', done);
    });
  }

  finish(_request: EngineRequest): void {
    this.#finish();
  }

  /** CGI (RFC 3875) ends the body where stdout ends and has no way to mark it broken: the output just stops. */
  fail(_request: EngineRequest, first: readonly Uint8Array[]): void {
    this.write(first);
    this.#finish();
  }
}
