import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { ListenTarget } from '../server/listen-target.js';

/** Node's listen() backlog when none is given. */
const NODE_BACKLOG = 511;

/** A LISTEN row of /proc/net/tcp or /proc/net/tcp6. */
interface ListenRow {
  readonly port: number;
  readonly inode: string;
  /** Connections the kernel accepted that no accept() took yet (rx_queue of a LISTEN socket). */
  readonly queued: number;
}

/** The LISTEN rows (state 0A) of /proc/net/tcp-format text. */
function listenRows(text: string): ListenRow[] {
  const rows: ListenRow[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== '0A') continue;
    const port = parseInt(fields[1]!.slice(fields[1]!.lastIndexOf(':') + 1), 16);
    const queued = parseInt(fields[4]!.slice(fields[4]!.indexOf(':') + 1), 16);
    if (Number.isNaN(port) || Number.isNaN(queued)) continue;
    rows.push({ port, inode: fields[9]!, queued });
  }
  return rows;
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function socketInode(fd: string): string | undefined {
  try {
    return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
  } catch {
    return undefined;
  }
}

/** Inodes of the sockets this process holds. */
function ownSocketInodes(): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    const inode = socketInode(fd);
    if (inode !== undefined) inodes.add(inode);
  }
  return inodes;
}

function somaxconn(): number | undefined {
  const value = Number(read('/proc/sys/net/core/somaxconn').trim());
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * The listen queue of the socket this process listens on, as php-fpm's status page shows it.
 * Linux reports the queue of a TCP socket in /proc/net/tcp (the rx_queue of its LISTEN row);
 * nothing in /proc shows it for a Unix socket. The queue's size is the listen() backlog, which
 * the kernel caps at net.core.somaxconn; for an inherited socket the backlog is not known.
 */
export class ListenQueueProbe {
  #inode: string | undefined;
  #max = 0;

  constructor(private readonly target: ListenTarget) {}

  /** The queue's size (capped backlog), or null when unknown. */
  get capacity(): number | null {
    if (this.target.kind !== 'tcp' && this.target.kind !== 'unix') return null;
    return Math.min(NODE_BACKLOG, somaxconn() ?? NODE_BACKLOG);
  }

  /** The most connections seen waiting at once, over every `sample()` so far; null when unknown. */
  get max(): number | null {
    return this.#inode === undefined ? null : this.#max;
  }

  /** Connections waiting to be accepted now, or null where the OS does not say (Unix sockets, not Linux). */
  sample(): number | null {
    const { target } = this;
    if (target.kind !== 'tcp' && target.kind !== 'fd') return null;
    const rows = [...listenRows(read('/proc/net/tcp')), ...listenRows(read('/proc/net/tcp6'))];
    if (this.#inode === undefined) {
      // Found once: the listening socket lives as long as the server.
      if (target.kind === 'fd') this.#inode = socketInode(String(target.fd));
      else {
        const own = ownSocketInodes();
        this.#inode = rows.find((row) => row.port === target.port && own.has(row.inode))?.inode;
      }
    }
    const row = this.#inode === undefined ? undefined : rows.find((r) => r.inode === this.#inode);
    if (row === undefined) return null;
    if (row.queued > this.#max) this.#max = row.queued;
    return row.queued;
  }
}
