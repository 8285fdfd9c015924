/** Something a watchdog looks at on every tick. */
export interface Watched {
  inspect(now: number): void;
}

/** Timers must not keep a process alive on their own (Node); elsewhere a no-op. */
function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/**
 * One interval per tick length, shared by every connection that needs it: a connection costs a
 * Set entry, not a timer (web servers that open a connection per request would pay one each).
 */
const groups = new Map<number, { members: Set<Watched>; timer: ReturnType<typeof setInterval> }>();

export function watch(member: Watched, tick: number): void {
  let group = groups.get(tick);
  if (group === undefined) {
    const members = new Set<Watched>();
    const timer = unref(
      setInterval(() => {
        const now = Date.now();
        for (const watched of [...members]) watched.inspect(now);
      }, tick),
    );
    group = { members, timer };
    groups.set(tick, group);
  }
  group.members.add(member);
}

export function unwatch(member: Watched, tick: number): void {
  const group = groups.get(tick);
  if (group === undefined || !group.members.delete(member) || group.members.size > 0) return;
  clearInterval(group.timer);
  groups.delete(tick);
}
