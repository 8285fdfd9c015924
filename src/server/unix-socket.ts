import type { Stats } from 'node:fs';
import { chmod, chown, lstat, unlink } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { unixSocketAccepts } from '../net/socket-transport.js';
import { groupId, userId } from './system-accounts.js';

/**
 * Makes `path` free for a new Unix socket: a stale socket file (nobody listening) is removed;
 * a live socket or any other kind of file is left alone and reported.
 */
export async function clearStaleSocket(path: string): Promise<void> {
  let stats: Stats;
  try {
    stats = await lstat(path);
  } catch {
    return;
  }
  if (!stats.isSocket()) {
    throw Object.assign(new Error(`${path} exists and is not a socket; refusing to replace it`), { code: 'EEXIST' });
  }
  if (await unixSocketAccepts(path)) {
    throw Object.assign(new Error(`${path} is in use by another running server`), { code: 'EADDRINUSE' });
  }
  await unlink(path);
}

/** Who may open a Unix socket: php-fpm's listen.mode, listen.owner and listen.group. */
export interface SocketAccess {
  mode: number;
  /** A user name or uid; undefined keeps the creating process's. */
  owner?: string | number | undefined;
  /** A group name or gid; undefined keeps the creating process's. */
  group?: string | number | undefined;
}

/** `SocketAccess` with the names looked up. */
export interface ResolvedSocketAccess {
  mode: number;
  uid: number | undefined;
  gid: number | undefined;
  owner: string | number | undefined;
  group: string | number | undefined;
}

/** Looks the owner and group up before anything is bound, so a misspelt name costs nothing. */
export function resolveSocketAccess(access: SocketAccess): ResolvedSocketAccess {
  return {
    mode: access.mode,
    uid: access.owner === undefined ? undefined : userId(access.owner),
    gid: access.group === undefined ? undefined : groupId(access.group),
    owner: access.owner,
    group: access.group,
  };
}

/** An error naming what could not be changed and why, for operators. */
class SocketAccessError extends Error {
  readonly code = 'ERR_SOCKET_ACCESS';
}

function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/**
 * Gives the socket file its owner, group and mode. The owner and group go first: a socket is
 * bound under a strict umask, so it only opens up once it belongs to the right group.
 */
export async function applySocketAccess(path: string, access: ResolvedSocketAccess): Promise<void> {
  if (access.uid !== undefined || access.gid !== undefined) {
    try {
      await chown(path, access.uid ?? -1, access.gid ?? -1);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EPERM') throw error;
      const to = [
        access.owner === undefined ? '' : `owner ${access.owner} (uid ${access.uid})`,
        access.group === undefined ? '' : `group ${access.group} (gid ${access.gid})`,
      ]
        .filter(Boolean)
        .join(' and ');
      const me = whoAmI();
      const fix = access.uid === undefined ? `usermod -aG ${access.group} ${me}, or start as root` : 'start as root';
      throw new SocketAccessError(
        `not permitted to give ${path} to ${to}: only root may give a file to another user, and other ` +
          `processes only to a group they belong to (this one runs as ${me}: ${fix})`,
      );
    }
  }
  await chmod(path, access.mode);
}
