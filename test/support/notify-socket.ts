/**
 * A stand-in for systemd's notification socket: a Unix datagram socket (Node has none, so
 * python3 holds it) that records every message with its sender's pid and, like systemd, closes
 * the fd a BARRIER=1 message carries so that the sender (systemd-notify) may return.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

interface NotifyMessage {
  /** KEY=VALUE lines of the datagram. */
  readonly fields: Readonly<Record<string, string>>;
  /** The sender's pid (SCM_CREDENTIALS). */
  readonly pid: number;
}

export interface NotifySocket {
  /** For $NOTIFY_SOCKET: a path, or "@name" in the abstract namespace. */
  readonly address: string;
  /** Every message but BARRIER=1, in arrival order. */
  readonly messages: readonly NotifyMessage[];
  /** The first message after the `from`-th that has `key`; rejects after `ms`. */
  next(key: string, from?: number, ms?: number): Promise<NotifyMessage>;
  close(): void;
}

const LISTENER = String.raw`
import array, json, os, socket, sys
address = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('\0' + address[1:] if address.startswith('@') else address)
if not address.startswith('@'): os.chmod(address, 0o777)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print('listening', flush=True)
while True:
    data, ancillary, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(64) * 2)
    pid = 0
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array('i')
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
            for fd in fds: os.close(fd)
        elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = array.array('i', payload[:12])[0]
    print(json.dumps({'text': data.decode('utf-8', 'replace'), 'pid': pid}), flush=True)
`;

export async function listenNotifySocket(address: string): Promise<NotifySocket> {
  const child: ChildProcess = spawn('python3', ['-c', LISTENER, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: NotifyMessage[] = [];
  const waiters = new Set<() => void>();
  const lines = createInterface({ input: child.stdout! });
  const listening = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the notify socket listener exited (${code})`)));
    lines.on('line', (line) => {
      if (line === 'listening') return resolve();
      const { text, pid } = JSON.parse(line) as { text: string; pid: number };
      const fields = Object.fromEntries(
        text
          .split('\n')
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      if ('BARRIER' in fields) return;
      messages.push({ fields, pid });
      for (const wake of waiters) wake();
    });
  });
  await Promise.race([listening, once(child, 'error').then(([e]) => Promise.reject(e as Error))]);
  return {
    address,
    messages,
    next(key, from = 0, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.slice(from).find((m) => key in m.fields);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${key}= message within ${ms} ms; got ${JSON.stringify(messages.map((m) => m.fields))}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    close: () => child.kill(),
  };
}
