/** CPU time and memory of a process tree, read from /proc (Linux only). */
import fs from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** `pid` and all of its descendants (php-fpm workers, a wrapper's child...). */
function processTree(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift()!;
    if (read(`/proc/${current}/stat`) === undefined) continue;
    out.push(current);
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${current}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      const children = read(`/proc/${current}/task/${task}/children`) ?? '';
      for (const child of children.split(' ')) if (child.trim()) queue.push(Number(child));
    }
  }
  return out;
}

/** utime + stime of the tree, in seconds. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const member of processTree(pid)) {
    const stat = read(`/proc/${member}/stat`);
    if (stat === undefined) continue;
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS;
}

function statusKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = read(`/proc/${pid}/status`) ?? '';
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

/** Peak resident memory of the tree (sum of each member's VmHWM), in bytes. */
export function peakRss(pid: number): number {
  return processTree(pid).reduce((sum, member) => sum + statusKiB(member, 'VmHWM') * 1024, 0);
}

/** Resident memory now (sum over the tree), in bytes. */
export function rss(pid: number): number {
  return processTree(pid).reduce((sum, member) => sum + statusKiB(member, 'VmRSS') * 1024, 0);
}

/** Samples `rss(pid)` every `everyMs` until stopped; gives the highest value seen. */
export function sampleRss(pid: number, everyMs = 50): { stop(): number } {
  let max = rss(pid);
  const timer = setInterval(() => {
    max = Math.max(max, rss(pid));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, rss(pid));
    },
  };
}

/** Open file descriptors of one process (entries of /proc/<pid>/fd); 0 once it is gone. */
export function openFds(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}
