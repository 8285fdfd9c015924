import { fstatSync } from 'node:fs';

/** systemd passes its sockets from this fd on (SD_LISTEN_FDS_START). */
const FIRST_FD = 3;

/** Sockets a service manager passed to this process: fds 3, 4... and their names. */
export interface PassedSockets {
  readonly fds: readonly number[];
  /** From $LISTEN_FDNAMES (FileDescriptorName=, else the .socket unit's name); may be shorter than fds. */
  readonly names: readonly string[];
}

/**
 * systemd's socket activation protocol (what sd_listen_fds() reads): $LISTEN_FDS sockets from fd 3
 * on, meant for the process $LISTEN_PID. The variables are removed from `env` either way, so that
 * processes this one starts (workers, the app's own children) do not take them for theirs.
 * Undefined when nothing was passed to this process.
 */
export function takePassedSockets(env: Record<string, string | undefined>, pid: number = process.pid): PassedSockets | undefined {
  const count = env.LISTEN_FDS;
  const forPid = env.LISTEN_PID;
  const names = env.LISTEN_FDNAMES;
  if (count === undefined) return undefined;
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
  if (forPid === undefined || !/^\d+$/.test(forPid) || Number(forPid) !== pid) return undefined;
  if (!/^\d+$/.test(count)) throw new TypeError(`socket activation: $LISTEN_FDS must be a number, got ${JSON.stringify(count)}`);
  const fds = Array.from({ length: Number(count) }, (_, i) => FIRST_FD + i);
  if (fds.length === 0) return undefined;
  for (const fd of fds) {
    let isSocket = false;
    try {
      isSocket = fstatSync(fd).isSocket();
    } catch {
      // closed meanwhile: reported below
    }
    if (!isSocket) throw new TypeError(`socket activation: fd ${fd} from $LISTEN_FDS is not a socket`);
  }
  return { fds, names: names ? names.split(':') : [] };
}
