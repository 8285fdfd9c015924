/**
 * The peer broke the FastCGI protocol. The connection it arrived on cannot be trusted any more
 * and is closed; nothing else is affected.
 */
export class FastCGIProtocolError extends Error {
  override readonly name = 'FastCGIProtocolError';
  constructor(message: string) {
    super(message);
  }
}
