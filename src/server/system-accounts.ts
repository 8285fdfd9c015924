import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Where the accounts are looked up; tests pass their own files. */
export interface AccountFiles {
  passwd: string;
  group: string;
  /** Ask `getent` (NSS: LDAP, sssd, systemd-userdb) for names the files do not have. Default true. */
  getent?: boolean;
}

const SYSTEM: AccountFiles = { passwd: '/etc/passwd', group: '/etc/group' };

/** A name that is not a user or group on this machine. */
export class UnknownAccountError extends Error {
  readonly code = 'ERR_UNKNOWN_ACCOUNT';
}

/** Finds `name`'s id (the third colon-separated field) in a passwd- or group-format text. */
function idIn(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields.length >= 3 && /^\d+$/.test(fields[2]!)) return Number(fields[2]);
  }
  return undefined;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function fromGetent(database: 'passwd' | 'group', name: string): number | undefined {
  try {
    return idIn(execFileSync('getent', [database, name], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }), name);
  } catch {
    return undefined;
  }
}

function resolve(database: 'passwd' | 'group', nameOrId: string | number, files: AccountFiles): number {
  if (typeof nameOrId === 'number' || /^\d+$/.test(nameOrId)) {
    const id = Number(nameOrId);
    if (!Number.isSafeInteger(id) || id < 0 || id > 0xfffffffe)
      throw new RangeError(`${nameOrId} is not a valid ${database === 'passwd' ? 'user' : 'group'} id`);
    return id;
  }
  const id = idIn(readOrEmpty(files[database]), nameOrId) ?? (files.getent === false ? undefined : fromGetent(database, nameOrId));
  if (id !== undefined) return id;
  const what = database === 'passwd' ? 'user' : 'group';
  throw new UnknownAccountError(`no such ${what} ${JSON.stringify(nameOrId)} on this machine (not in ${files[database]} nor known to getent)`);
}

/**
 * A user's uid from its name or number, as php-fpm's listen.owner takes either. Node has no
 * getpwnam: /etc/passwd is read, then `getent` asked (startup only, never per request).
 */
export function userId(nameOrId: string | number, files: AccountFiles = SYSTEM): number {
  return resolve('passwd', nameOrId, files);
}

/** A group's gid from its name or number (see {@link userId}). */
export function groupId(nameOrId: string | number, files: AccountFiles = SYSTEM): number {
  return resolve('group', nameOrId, files);
}
