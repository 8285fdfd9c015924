import { ProtocolStatus } from '../protocol/index.js';

/** The connection could not be opened, or closed before the request ended. */
export class FastCGIConnectionError extends Error {
  override readonly name = 'FastCGIConnectionError';
}

/** Why an application refused a request (END_REQUEST protocolStatus 1–3). */
export type RejectReason = 'cant-mpx-conn' | 'overloaded' | 'unknown-role';

/** The application refused the request without running it: another attempt may succeed. */
export class FastCGIRejectedError extends Error {
  override readonly name = 'FastCGIRejectedError';
  readonly reason: RejectReason;
  constructor(readonly protocolStatus: number) {
    const reason: RejectReason =
      protocolStatus === ProtocolStatus.CANT_MPX_CONN ? 'cant-mpx-conn' : protocolStatus === ProtocolStatus.OVERLOADED ? 'overloaded' : 'unknown-role';
    super(`the FastCGI application refused the request: ${reason} (protocol status ${protocolStatus})`);
    this.reason = reason;
  }
}

/**
 * The application broke off its response: it sent ABORT_REQUEST for the request, which is how
 * fastcgi-fetch marks a response whose body failed after the head went out (a web server then
 * cuts the browser's transfer short). The body read so far is incomplete.
 */
export class FastCGIResponseAbortedError extends Error {
  override readonly name = 'FastCGIResponseAbortedError';
}

/** No response head (or no connection, or no GET_VALUES answer) within the allowed time. */
export class FastCGITimeoutError extends Error {
  override readonly name = 'FastCGITimeoutError';
}
