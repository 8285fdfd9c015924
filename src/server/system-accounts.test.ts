import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupId, UnknownAccountError, userId, type AccountFiles } from './system-accounts.js';

const dir = mkdtempSync(join(tmpdir(), 'fcgi-accounts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const files: AccountFiles = { passwd: join(dir, 'passwd'), group: join(dir, 'group'), getent: false };
writeFileSync(
  files.passwd,
  'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n# not:an:entry\napp:x:998:997::/nonexistent:/usr/sbin/nologin\n',
);
writeFileSync(files.group, 'root:x:0:\nwww-data:x:33:caddy,app\ncaddy:x:995:\n');

describe('system accounts', () => {
  it('finds users and groups by name in passwd- and group-format files', () => {
    expect([userId('www-data', files), userId('app', files), userId('root', files)]).toEqual([33, 998, 0]);
    expect([groupId('www-data', files), groupId('caddy', files)]).toEqual([33, 995]);
  });

  it('takes numeric ids as they are, known or not, as chown(1) does', () => {
    expect([userId(4242, files), userId('4242', files), groupId('0', files)]).toEqual([4242, 4242, 0]);
  });

  it('names the missing account and where it looked', () => {
    expect(() => groupId('wwwdata', files)).toThrow(UnknownAccountError);
    expect(() => groupId('wwwdata', files)).toThrow(`no such group "wwwdata" on this machine (not in ${files.group}`);
    // A user name is not a group name, and the other way round.
    expect(() => userId('caddy', files)).toThrow(/no such user "caddy"/);
  });

  it("reads this machine's own /etc/group and /etc/passwd by default", () => {
    expect([userId('root'), groupId('root')]).toEqual([0, 0]);
  });
});
