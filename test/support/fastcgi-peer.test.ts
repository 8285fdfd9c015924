import { describe, expect, it } from 'vitest';
import { RecordType, encodeEndRequest, encodeStream } from '../../src/protocol/index.js';
import { AnswerReader, cgiParams, decodeOutput, parseCgiResponse } from './fastcgi-peer.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('the test kit that plays the web server', () => {
  it('reads STDOUT, STDERR and END_REQUEST back per request id', () => {
    const answers = decodeOutput([
      encodeStream(RecordType.STDOUT, 1, bytes('Status: 201 Created\r\n\r\nhi'), true),
      encodeStream(RecordType.STDERR, 1, bytes('oops\n')),
      encodeEndRequest(1, 3, 0),
    ]);
    expect(answers.get(1)).toMatchObject({ stderr: 'oops\n', end: { appStatus: 3, protocolStatus: 0 }, stdoutClosed: true });
    const response = parseCgiResponse(answers.get(1)!.stdout);
    expect([response.status, response.statusText, response.body.toString()]).toEqual([201, 'Created', 'hi']);
  });

  it('refuses output for a request after its END_REQUEST, as no web server would take it', () => {
    const reader = new AnswerReader();
    reader.push(encodeEndRequest(1, 0, 0));
    expect(() => reader.push(encodeStream(RecordType.STDOUT, 1, bytes('late')))).toThrow(/after its END_REQUEST/);
  });

  it('parses the CGI head with the client: 200 without Status, 302 for a lone Location, a malformed line refused', () => {
    expect(parseCgiResponse(bytes('Content-Type: text/plain\r\n\r\n')).status).toBe(200);
    expect(parseCgiResponse(bytes('Location: /next\n\n')).status).toBe(302);
    expect(() => parseCgiResponse(bytes('not a header\r\n\r\n'))).toThrow(/malformed CGI header line/);
    expect(() => parseCgiResponse(bytes('Status: 200 OK\r\n'))).toThrow(/inside the CGI response head/);
  });

  it("replaces nginx's params by name and adds new ones at the end", () => {
    const params = cgiParams('POST', '/a?b=1', [
      ['CONTENT_LENGTH', '5'],
      ['HTTP_X', 'y'],
    ]);
    expect(params.filter(([name]) => name === 'CONTENT_LENGTH')).toEqual([['CONTENT_LENGTH', '5']]);
    expect(params.at(-1)).toEqual(['HTTP_X', 'y']);
    expect(params).toContainEqual(['QUERY_STRING', 'b=1']);
  });
});
