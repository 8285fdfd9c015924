import { STATUS_CODES } from 'node:http';
import { describe, expect, it } from 'vitest';
import { headText } from './encode-cgi-head.js';

/** Where RFC 9110 renamed a status and node:http kept the older name. */
const RFC_9110_NAMES: Record<number, string> = { 413: 'Content Too Large', 422: 'Unprocessable Content' };

function statusLine(status: number, statusText = ''): string {
  return headText({ status, statusText, headers: undefined }).split('\r\n')[0]!;
}

describe('the Status line', () => {
  it('has a reason phrase for every status node:http has one for, in RFC 9110 words where they differ', () => {
    const missing: string[] = [];
    for (const [code, phrase] of Object.entries(STATUS_CODES)) {
      const status = Number(code);
      const expected = `Status: ${status} ${RFC_9110_NAMES[status] ?? phrase}`;
      if (statusLine(status) !== expected) missing.push(`${statusLine(status)} (expected ${expected})`);
    }
    expect(missing).toEqual([]);
  });

  it("keeps the app's own status text", () => {
    expect(statusLine(418, 'Short And Stout')).toBe('Status: 418 Short And Stout');
  });

  it('has no reason phrase for an unregistered status', () => {
    expect(statusLine(599)).toBe('Status: 599');
  });
});
