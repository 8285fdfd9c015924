/** Something a watchdog looks at on every tick. */
export interface Watched {
  inspect(now: number): void;
  /** Its place in the watchdog's list, kept by the watchdog; -1 when not watched. */
  slot: number;
}

/** Timers must not keep a process alive on their own (Node); elsewhere a no-op. */
function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

interface Group {
  /** Members in no particular order; each knows its index (`slot`). */
  readonly members: Watched[];
  timer: ReturnType<typeof setInterval> | undefined;
}

/**
 * One interval per tick length, shared by every connection that needs it: a connection costs an
 * array slot, not a timer (web servers that open a connection per request would pay one each).
 * An interval stops itself on a tick that finds no member, not when the last one leaves: with a
 * connection per request, members come and go faster than intervals should be made.
 */
const groups = new Map<number, Group>();

export function watch(member: Watched, tick: number): void {
  let group = groups.get(tick);
  if (group === undefined) {
    group = { members: [], timer: undefined };
    groups.set(tick, group);
  }
  if (member.slot >= 0) return;
  member.slot = group.members.length;
  group.members.push(member);
  if (group.timer === undefined) group.timer = unref(setInterval(() => inspectGroup(tick), tick));
}

export function unwatch(member: Watched, tick: number): void {
  const group = groups.get(tick);
  const index = member.slot;
  if (group === undefined || index < 0 || group.members[index] !== member) return;
  // Swap-remove: the last member takes the leaving one's slot; nothing is allocated.
  const last = group.members.pop()!;
  member.slot = -1;
  if (last !== member) {
    group.members[index] = last;
    last.slot = index;
  }
}

function inspectGroup(tick: number): void {
  const group = groups.get(tick);
  if (group === undefined) return;
  if (group.members.length === 0) {
    clearInterval(group.timer);
    group.timer = undefined;
    return;
  }
  const now = Date.now();
  for (const watched of [...group.members]) watched.inspect(now);
}
