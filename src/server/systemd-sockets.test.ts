import { describe, expect, it } from 'vitest';
import { resolveTarget } from './listen-target.js';
import { takePassedSockets } from './systemd-sockets.js';

describe('sockets passed by systemd ($LISTEN_FDS)', () => {
  it('ignores sockets meant for another process, and removes the variables either way', () => {
    const env: Record<string, string | undefined> = { LISTEN_FDS: '1', LISTEN_PID: '1', LISTEN_FDNAMES: 'x', FASTCGI_LISTEN: ':9001' };
    expect(resolveTarget({}, env)).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9001 });
    expect(env).toEqual({ FASTCGI_LISTEN: ':9001' });
  });

  it('leaves the variables alone when a listen option is given', () => {
    const env = { LISTEN_FDS: '1', LISTEN_PID: String(process.pid) };
    expect(resolveTarget({ port: 9002 }, env)).toMatchObject({ kind: 'tcp', port: 9002 });
    expect(env).toEqual({ LISTEN_FDS: '1', LISTEN_PID: String(process.pid) });
  });

  it('treats LISTEN_FDS=0 as nothing passed and rejects a count that is not a number', () => {
    expect(takePassedSockets({ LISTEN_FDS: '0', LISTEN_PID: '42' }, 42)).toBeUndefined();
    expect(() => takePassedSockets({ LISTEN_FDS: 'two', LISTEN_PID: '42' }, 42)).toThrow(/LISTEN_FDS must be a number/);
  });

  it('refuses an fd that is not a socket', () => {
    // Among fds 3 to 1000 of this test process, some are no socket or not even open.
    expect(() => takePassedSockets({ LISTEN_FDS: '998', LISTEN_PID: '42' }, 42)).toThrow(/fd \d+ from \$LISTEN_FDS is not a socket/);
  });

  it('turns an array of fds into sockets each process accepts on itself', () => {
    expect(resolveTarget({ fd: [3, 4] }, {})).toEqual({ kind: 'fds', fds: [3, 4], names: [] });
  });
});
