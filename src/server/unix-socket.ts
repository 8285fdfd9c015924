import { lstat, unlink } from 'node:fs/promises';
import { unixSocketAccepts } from '../net/socket-transport.js';

/**
 * Makes `path` free for a new Unix socket: a stale socket file (nobody listening) is removed;
 * a live socket or any other kind of file is left alone and reported.
 */
export async function clearStaleSocket(path: string): Promise<void> {
  let stats;
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
