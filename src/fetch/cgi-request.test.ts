import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodePairs, decodePairs, type Pair } from '../protocol/index.js';
import { BadRequestError, alreadyNormal, paramLookup, requestHeaderPairs, requestHeaders, requestUrl } from './cgi-request.js';

function params(pairs: Pair[]) {
  return decodePairs(encodePairs(pairs));
}
const url = (pairs: Pair[]) => requestUrl(paramLookup(params(pairs)));

describe('requestUrl', () => {
  it('rebuilds the public URL from REQUEST_SCHEME, HTTP_HOST and REQUEST_URI', () => {
    expect(
      url([
        ['REQUEST_SCHEME', 'https'],
        ['HTTP_HOST', 'example.com:8443'],
        ['REQUEST_URI', '/app/a?b=c'],
      ]),
    ).toBe('https://example.com:8443/app/a?b=c');
  });

  it('takes https from HTTPS=on or HTTPS=1 when there is no REQUEST_SCHEME', () => {
    expect(
      url([
        ['HTTPS', 'on'],
        ['HTTP_HOST', 'h'],
        ['REQUEST_URI', '/'],
      ]),
    ).toBe('https://h/');
    expect(
      url([
        ['HTTPS', '1'],
        ['HTTP_HOST', 'h'],
        ['REQUEST_URI', '/'],
      ]),
    ).toBe('https://h/');
    expect(
      url([
        ['HTTPS', 'off'],
        ['HTTP_HOST', 'h'],
        ['REQUEST_URI', '/'],
      ]),
    ).toBe('http://h/');
  });

  it('falls back to SERVER_NAME and a non-default SERVER_PORT without a Host', () => {
    expect(
      url([
        ['SERVER_NAME', 'srv'],
        ['SERVER_PORT', '8080'],
        ['REQUEST_URI', '/x'],
      ]),
    ).toBe('http://srv:8080/x');
    expect(
      url([
        ['SERVER_NAME', 'srv'],
        ['SERVER_PORT', '80'],
        ['REQUEST_URI', '/x'],
      ]),
    ).toBe('http://srv/x');
    expect(
      url([
        ['SERVER_NAME', '::1'],
        ['SERVER_PORT', '81'],
        ['REQUEST_URI', '/'],
      ]),
    ).toBe('http://[::1]:81/');
  });

  it('falls back to SCRIPT_NAME + PATH_INFO + QUERY_STRING without REQUEST_URI, escaping them again', () => {
    expect(
      url([
        ['HTTP_HOST', 'h'],
        ['SCRIPT_NAME', '/app'],
        ['PATH_INFO', '/a b/é?#'],
        ['QUERY_STRING', 'q=1&r=%20'],
      ]),
    ).toBe('http://h/app/a%20b/%C3%A9%3F%23?q=1&r=%20');
  });

  it('keeps %-escapes and raw UTF-8 bytes of REQUEST_URI byte-exact', () => {
    expect(
      url([
        ['HTTP_HOST', 'h'],
        ['REQUEST_URI', '/%41%2f%zz/caf\u00e9'],
      ]),
    ).toBe('http://h/%41%2f%zz/caf%C3%A9');
    const raw = new Uint8Array([0x2f, 0xff, 0xc3, 0x28]);
    expect(
      url([
        ['HTTP_HOST', 'h'],
        ['REQUEST_URI', raw],
      ]),
    ).toBe('http://h/%FF%C3(');
  });

  it('adds a non-default SERVER_PORT to a Host without a port, as Debian nginx sends HTTP_HOST=$host', () => {
    expect(
      url([
        ['HTTP_HOST', 'h'],
        ['SERVER_PORT', '8080'],
        ['REQUEST_URI', '/'],
      ]),
    ).toBe('http://h:8080/');
    expect(
      url([
        ['HTTP_HOST', 'h'],
        ['SERVER_PORT', '443'],
        ['HTTPS', 'on'],
        ['REQUEST_URI', '/'],
      ]),
    ).toBe('https://h/');
    expect(
      url([
        ['HTTP_HOST', 'h:81'],
        ['SERVER_PORT', '8080'],
        ['REQUEST_URI', '/'],
      ]),
    ).toBe('http://h:81/');
  });

  it('keeps a path that starts with // as a path', () => {
    expect(
      url([
        ['HTTP_HOST', 'h'],
        ['REQUEST_URI', '//evil.com/x'],
      ]),
    ).toBe('http://h//evil.com/x');
  });

  it('works the origin out again when the scheme, Host or port differs from the last request', () => {
    expect(
      url([
        ['HTTP_HOST', 'h'],
        ['SERVER_PORT', '8080'],
        ['REQUEST_URI', '/'],
      ]),
    ).toBe('http://h:8080/');
    expect(
      url([
        ['HTTP_HOST', 'h'],
        ['SERVER_PORT', '8080'],
        ['REQUEST_URI', '/'],
      ]),
    ).toBe('http://h:8080/');
    expect(
      url([
        ['HTTP_HOST', 'h'],
        ['SERVER_PORT', '8081'],
        ['REQUEST_URI', '/'],
      ]),
    ).toBe('http://h:8081/');
    expect(
      url([
        ['HTTP_HOST', 'h'],
        ['SERVER_PORT', '8081'],
        ['HTTPS', 'on'],
        ['REQUEST_URI', '/'],
      ]),
    ).toBe('https://h:8081/');
    expect(
      url([
        ['HTTP_HOST', 'g'],
        ['SERVER_PORT', '8081'],
        ['HTTPS', 'on'],
        ['REQUEST_URI', '/'],
      ]),
    ).toBe('https://g:8081/');
    expect(() =>
      url([
        ['HTTP_HOST', 'g/x'],
        ['SERVER_PORT', '8081'],
        ['REQUEST_URI', '/'],
      ]),
    ).toThrow(BadRequestError);
    expect(() =>
      url([
        ['HTTP_HOST', 'g/x'],
        ['SERVER_PORT', '8081'],
        ['REQUEST_URI', '/'],
      ]),
    ).toThrow(BadRequestError);
  });

  describe('with an absolute-form REQUEST_URI (RFC 9112 §3.2.2: the target, not the Host, is the URL)', () => {
    const absolute = (target: string, more: Pair[] = []) => url([['HTTP_HOST', 'host.example'], ['REQUEST_URI', target], ...more]);

    it("takes the target's authority over HTTP_HOST", () => {
      expect(absolute('http://target.example/p')).toBe('http://target.example/p');
      expect(absolute('http://target.example:8080/p?q=1', [['SERVER_PORT', '80']])).toBe('http://target.example:8080/p?q=1');
    });

    it("takes the target's scheme over REQUEST_SCHEME and HTTPS", () => {
      expect(absolute('https://target.example/p', [['REQUEST_SCHEME', 'http']])).toBe('https://target.example/p');
      expect(absolute('http://target.example/p', [['HTTPS', 'on']])).toBe('http://target.example/p');
    });

    it('normalises the target as the URL parser does', () => {
      expect(absolute('HTTP://Target.Example:80/a/../b')).toBe('http://target.example/b');
      expect(absolute('https://target.example:443')).toBe('https://target.example/');
      expect(absolute('http://target.example?x=1')).toBe('http://target.example/?x=1');
      expect(absolute('http://target.example//x/caf\u00e9')).toBe('http://target.example//x/caf%C3%A9');
    });

    it('ignores the Host, even an invalid one', () => {
      expect(absolute('http://target.example/p', [['HTTP_HOST', 'bad/host']])).toBe('http://target.example/p');
    });

    it('leaves the origin-form requests that follow to their Host', () => {
      expect(absolute('http://target.example/p')).toBe('http://target.example/p');
      expect(
        url([
          ['HTTP_HOST', 'host.example'],
          ['REQUEST_URI', '/p'],
        ]),
      ).toBe('http://host.example/p');
    });

    it('refuses userinfo, as the platform Request refuses credentials, and drops an empty one as the URL parser does', () => {
      expect(() => new Request('http://user:pw@target.example/p')).toThrow(TypeError);
      expect(() => absolute('http://user:pw@target.example/p')).toThrow(BadRequestError);
      expect(() => absolute('http://user@target.example/p')).toThrow(BadRequestError);
      expect(absolute('http://@target.example/p')).toBe('http://target.example/p');
    });

    it('answers an invalid authority or another scheme with a BadRequestError', () => {
      for (const target of [
        'http:///p',
        'http://target example/p',
        'http://target.example:99999/p',
        'http://[::1/p',
        'http://evil.example\\@target.example/p',
        'http://a@b@target.example/p',
        'ftp://target.example/p',
        'target.example/p',
      ]) {
        expect(() => absolute(target), target).toThrow(BadRequestError);
      }
    });
  });

  it('rejects an invalid Host with a BadRequestError', () => {
    for (const host of ['a/b', 'a b', 'x@evil', 'h?x', '']) {
      if (host === '') continue;
      expect(() =>
        url([
          ['HTTP_HOST', host],
          ['REQUEST_URI', '/'],
        ]),
      ).toThrow(BadRequestError);
    }
  });
});

describe('alreadyNormal', () => {
  const chars = (alphabet: string, max: number) => fc.array(fc.constantFrom(...alphabet.split('')), { maxLength: max }).map((a) => a.join(''));

  it('skips the URL parser only where the parser would change nothing', () => {
    fc.assert(
      fc.property(
        chars('abcxn-0179.', 12),
        fc.option(fc.integer({ min: 0, max: 70000 }), { nil: undefined }),
        chars("/abc.%2Ee0'?:~@#", 16),
        fc.boolean(),
        (name, port, path, https) => {
          const host = port === undefined ? name : `${name}:${port}`;
          const target = `/${path}`;
          if (!alreadyNormal(host, target, https)) return;
          expect(new URL(`${https ? 'https' : 'http'}://${host}${target}`).href).toBe(`${https ? 'https' : 'http'}://${host}${target}`);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('takes the usual Host and path', () => {
    expect(alreadyNormal('example.com', '/a/b?c=d', false)).toBe(true);
    expect(alreadyNormal('127.0.0.1:8080', '/hello', false)).toBe(true);
    expect(alreadyNormal('0x7f.1', '/', false)).toBe(false);
    expect(alreadyNormal('h:80', '/', false)).toBe(false);
    expect(alreadyNormal('h', '/a/%2e%2E/b', false)).toBe(false);
  });
});

describe('requestHeaders', () => {
  it('maps HTTP_* params, CONTENT_TYPE and CONTENT_LENGTH to headers', () => {
    const headers = requestHeaders(
      params([
        ['HTTP_X_FORWARDED_FOR', '1.2.3.4'],
        ['CONTENT_TYPE', 'text/plain'],
        ['CONTENT_LENGTH', '5'],
        ['SERVER_NAME', 'x'],
      ]),
    );
    expect([...headers]).toEqual([
      ['content-length', '5'],
      ['content-type', 'text/plain'],
      ['x-forwarded-for', '1.2.3.4'],
    ]);
  });

  it('joins repeated params (nginx 1.22) with ", ", and cookies with "; "', () => {
    const headers = requestHeaders(
      params([
        ['HTTP_ACCEPT', 'a'],
        ['HTTP_ACCEPT', 'b'],
        ['HTTP_COOKIE', 'x=1'],
        ['HTTP_COOKIE', 'y=2'],
      ]),
    );
    expect(headers.get('accept')).toBe('a, b');
    expect(headers.get('cookie')).toBe('x=1; y=2');
  });

  it('drops a header value the WHATWG Headers rejects and keeps the rest', () => {
    const headers = requestHeaders(
      params([
        ['HTTP_BAD', 'a\r\nb'],
        ['HTTP_GOOD', 'ok'],
        ['HTTP_NUL', 'a\0b'],
      ]),
    );
    expect([...headers]).toEqual([['good', 'ok']]);
  });

  it("drops a CONTENT_LENGTH that is not a length, like Caddy's -1 for chunked bodies", () => {
    expect(requestHeaders(params([['CONTENT_LENGTH', '-1']])).has('content-length')).toBe(false);
  });

  it('keeps non-ASCII header bytes as ISO-8859-1, as HTTP does', () => {
    const headers = requestHeaders(params([['HTTP_X_NAME', new Uint8Array([0x63, 0xe9])]]));
    expect(headers.get('x-name')).toBe('c\u00e9');
  });
});

describe('requestHeaderPairs', () => {
  /**
   * The oracle: each param appended to the platform's own Headers, a value it rejects dropped, a
   * repeated cookie joined with "; " through its get and set.
   */
  function platformHeaders(pairs: Array<[string, Uint8Array]>): Headers {
    const headers = new Headers();
    for (const [name, bytes] of pairs) {
      const header =
        name === 'CONTENT_TYPE' || name === 'CONTENT_LENGTH'
          ? name.toLowerCase().replace('_', '-')
          : name.startsWith('HTTP_') && name !== 'HTTP_CONTENT_TYPE' && name !== 'HTTP_CONTENT_LENGTH'
            ? name.slice(5).toLowerCase().replaceAll('_', '-')
            : undefined;
      if (header === undefined || (bytes.length === 0 && header.startsWith('content-'))) continue;
      const text = String.fromCharCode(...bytes);
      if (header === 'content-length' && !/^\d+$/.test(text)) continue;
      try {
        if (header === 'cookie' && headers.has('cookie')) headers.set('cookie', `${headers.get('cookie')}; ${text}`);
        else headers.append(header, text);
      } catch {
        // Rejected by the platform: dropped.
      }
    }
    return headers;
  }

  const names = [
    'HTTP_ACCEPT',
    'HTTP_COOKIE',
    'HTTP_X_A',
    'HTTP_X A',
    'HTTP_',
    'HTTP_X(Y)',
    'CONTENT_TYPE',
    'CONTENT_LENGTH',
    'HTTP_CONTENT_TYPE',
    'SERVER_NAME',
  ];
  const value = fc.array(fc.constantFrom(0x20, 0x09, 0x0d, 0x0a, 0x00, 0x61, 0x3b, 0x2c, 0xe9, 0x31), { maxLength: 8 }).map((bytes) => new Uint8Array(bytes));
  const paramLists = fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 12 });

  it("gives the headers the platform's Headers makes of the same params, on generated params", () => {
    fc.assert(
      fc.property(paramLists, (pairs) => {
        const expected = [...platformHeaders(pairs)];
        const decoded = params(pairs);
        expect([...new Headers(requestHeaderPairs(decoded))]).toEqual(expected);
        expect([...requestHeaders(decoded)]).toEqual(expected);
        expect([...new Request('http://localhost/', { headers: requestHeaderPairs(decoded) }).headers]).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('joins repeated cookies into one pair and keeps other repeats apart', () => {
    const pairs = requestHeaderPairs(
      params([
        ['HTTP_COOKIE', 'x=1 '],
        ['HTTP_ACCEPT', 'a'],
        ['HTTP_COOKIE', ' y=2'],
        ['HTTP_ACCEPT', 'b'],
      ]),
    );
    // The second cookie's leading blank stays inside the joined value, as with the platform's get and set.
    expect(pairs).toEqual([
      ['cookie', 'x=1;  y=2'],
      ['accept', 'a'],
      ['accept', 'b'],
    ]);
  });
});
