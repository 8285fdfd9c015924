import { describe, expect, it } from 'vitest';
import { parseCommand, type ServeCommand } from './args.js';

function pool(argv: string[], env: Record<string, string> = {}) {
  return (parseCommand(['serve', 'app.js', ...argv], env) as ServeCommand).pool;
}

describe('serve pool flags', () => {
  it('are off unless given, with php-fpm\'s "pong" as the ping answer', () => {
    expect(pool([])).toEqual({
      maxRequests: undefined,
      requestTimeout: 0,
      slowlogTimeout: 0,
      slowlog: undefined,
      pingPath: undefined,
      pingResponse: 'pong',
    });
  });

  it('read seconds as milliseconds, from flags first, then from environment variables', () => {
    expect(
      pool([
        '--workers',
        '2',
        '--max-requests',
        '500',
        '--request-timeout',
        '30',
        '--slowlog-timeout',
        '0.5',
        '--slowlog',
        '/var/log/slow.log',
        '--ping-path',
        '/ping',
        '--ping-response',
        'ok',
      ]),
    ).toEqual({ maxRequests: 500, requestTimeout: 30_000, slowlogTimeout: 500, slowlog: '/var/log/slow.log', pingPath: '/ping', pingResponse: 'ok' });
    const env = { FASTCGI_WORKERS: '2', FASTCGI_MAX_REQUESTS: '9', FASTCGI_REQUEST_TIMEOUT: '2', FASTCGI_SLOWLOG_TIMEOUT: '1', FASTCGI_PING_PATH: '/health' };
    expect(pool(['--request-timeout', '5'], env)).toMatchObject({ maxRequests: 9, requestTimeout: 5000, slowlogTimeout: 1000, pingPath: '/health' });
  });

  it('refuse what cannot work, saying why', () => {
    expect(() => pool(['--max-requests', '100'])).toThrow(/--max-requests needs --workers/);
    expect(() => pool(['--workers', '2', '--max-requests', '0'])).toThrow(/--max-requests must be a positive integer, got "0"/);
    expect(() => pool(['--request-timeout', 'soon'])).toThrow(/--request-timeout must be a number of seconds, got "soon"/);
    expect(() => pool(['--slowlog-timeout=-1'])).toThrow(/--slowlog-timeout must be a number of seconds/);
    expect(() => pool(['--slowlog', 'slow.log'])).toThrow(/--slowlog needs --slowlog-timeout/);
    expect(() => pool(['--ping-path', 'ping'])).toThrow(/--ping-path must start with \//);
    expect(() => pool(['--ping-path', '/s', '--status-path', '/s'])).toThrow(/must differ/);
  });
});
