/**
 * What the application writes back, read as a web server reads it: records decoded per request
 * id (checking that nothing comes after a request's end), and the CGI response at the start of
 * STDOUT parsed by the client's own head parser.
 */
import { RecordReader, RecordType, concatBytes, decodeEndRequest, decodePairs, latin1, type EndRequestBody } from '../../../src/protocol/index.js';
import { CgiHeadParser } from '../../../src/client/parse-cgi-head.js';

/** What came back for one request id. */
export interface Answer {
  /** The STDOUT bytes so far (empty when the reader keeps no bodies). */
  stdout: Uint8Array;
  stderr: string;
  /** END_REQUEST's fields, once it came. */
  end: EndRequestBody | undefined;
  /** Whether STDOUT was closed with its empty record. */
  stdoutClosed: boolean;
  /** How the application failed the request (EngineRequest.fail): an ABORT_REQUEST record, then maybe an empty END_REQUEST. */
  failed?: 'abort-record' | 'abort-record+empty-end';
}

/** A management record (request id 0) the application wrote. */
export interface ManagementRecord {
  type: number;
  /** GET_VALUES_RESULT's pairs, values as latin1; empty for other types. */
  pairs: Array<[string, string]>;
  content: Uint8Array;
}

export interface AnswerReaderOptions {
  /**
   * Keep STDOUT, STDERR and the checks (default true). False keeps nothing but END_REQUEST, for
   * a load generator that only counts: no per-record work beyond decoding.
   */
  keepBodies?: boolean;
  /**
   * Told of each request's END_REQUEST. The answer then leaves `answers`, so the id can be
   * used again at once.
   */
  onEnd?(id: number, answer: Answer): void;
}

const NO_BYTES = new Uint8Array(0);

/**
 * Decodes the application's output as it arrives, per request id. Throws on output that no web
 * server would accept: a record for a request after its END_REQUEST or failure, a second
 * ABORT_REQUEST.
 */
export class AnswerReader {
  readonly answers = new Map<number, Answer>();
  readonly management: ManagementRecord[] = [];
  readonly #reader: RecordReader;

  constructor({ keepBodies = true, onEnd }: AnswerReaderOptions = {}) {
    const answers = this.answers;
    const management = this.management;
    const answer = (id: number): Answer => {
      let found = answers.get(id);
      if (found === undefined) answers.set(id, (found = { stdout: NO_BYTES, stderr: '', end: undefined, stdoutClosed: false }));
      return found;
    };
    const open = (type: number, id: number): Answer => {
      const found = answer(id);
      if (found.end !== undefined || found.failed !== undefined) {
        throw new Error(`record of type ${type} for request ${id} after its END_REQUEST or failure`);
      }
      return found;
    };
    this.#reader = new RecordReader({
      record(type, id, content) {
        if (id === 0) {
          const pairs = type === RecordType.GET_VALUES_RESULT ? decodePairs(content).map(([n, v]): [string, string] => [n, latin1(v)]) : [];
          management.push({ type, pairs, content: content.slice() });
          return;
        }
        if (type === RecordType.ABORT_REQUEST) {
          open(type, id).failed = 'abort-record';
        } else if (type === RecordType.END_REQUEST) {
          if (!keepBodies) {
            // Counting only: a fresh answer, never stored.
            onEnd?.(id, { stdout: NO_BYTES, stderr: '', end: decodeEndRequest(content), stdoutClosed: false });
            return;
          }
          const found = answer(id);
          if (found.failed === 'abort-record' && content.length === 0) {
            found.failed = 'abort-record+empty-end';
            return;
          }
          open(type, id).end = decodeEndRequest(content);
          if (onEnd === undefined) return;
          answers.delete(id);
          onEnd(id, found);
        } else {
          open(type, id);
        }
      },
      streamData(type, id, data) {
        if (!keepBodies) return;
        const found = open(type, id);
        if (type === RecordType.STDOUT) {
          found.stdout = found.stdout.length === 0 ? data.slice() : concatBytes([found.stdout, data]);
        } else if (type === RecordType.STDERR) {
          found.stderr += new TextDecoder().decode(data);
        }
      },
      streamEnd(type, id) {
        if (!keepBodies) return;
        const found = open(type, id);
        if (type === RecordType.STDOUT) found.stdoutClosed = true;
      },
    });
  }

  push(bytes: Uint8Array): void {
    this.#reader.push(bytes);
  }
}

/** Decodes everything written at once: the answers by request id. */
export function decodeOutput(chunks: readonly Uint8Array[]): Map<number, Answer> {
  const reader = new AnswerReader();
  for (const chunk of chunks) reader.push(chunk);
  return reader.answers;
}

/** A CGI response: what a web server makes of STDOUT. */
export interface CgiResponse {
  /** From `Status:`; 200 without one, 302 for a lone `Location:`. */
  status: number;
  statusText: string;
  headers: Headers;
  body: Buffer;
}

/**
 * Parses STDOUT as the client does (its head parser: CRLF or bare LF, strict header lines).
 * Throws when the head is malformed or incomplete, as a web server answers 502 there.
 */
export function parseCgiResponse(stdout: Uint8Array): CgiResponse {
  const parser = new CgiHeadParser(Number.POSITIVE_INFINITY);
  const { head, rest } = parser.push(stdout) ?? parser.end();
  return { status: head.status, statusText: head.statusText, headers: head.headers, body: Buffer.from(rest) };
}
