/** One line to stderr, where web servers (lighttpd, mod_fcgid) and systemd collect app logs. */
export function log(message: string): void {
  process.stderr.write(`fastcgi-fetch[${process.pid}]: ${message}\n`);
}
