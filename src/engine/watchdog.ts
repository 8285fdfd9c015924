import { UnorderedList, type ListMember } from './unordered-list.js';

/** Something a watchdog looks at on every tick. */
export interface Watched extends ListMember {
  inspect(now: number): void;
}

/** Timers must not keep a process alive on their own (Node); elsewhere a no-op. */
function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

interface Group {
  readonly members: UnorderedList<Watched>;
  timer: ReturnType<typeof setInterval> | undefined;
}

/**
 * One interval per tick length, shared by every connection that needs it: a connection costs a
 * list entry, not a timer (web servers that open a connection per request would pay one each).
 * An interval stops itself on a tick that finds no member, not when the last one leaves: with a
 * connection per request, members come and go faster than intervals should be made.
 */
const groups = new Map<number, Group>();

export function watch(member: Watched, tick: number): void {
  let group = groups.get(tick);
  if (group === undefined) {
    group = { members: new UnorderedList(), timer: undefined };
    groups.set(tick, group);
  }
  group.members.add(member);
  if (group.timer === undefined) group.timer = unref(setInterval(() => inspectGroup(group), tick));
}

export function unwatch(member: Watched, tick: number): void {
  groups.get(tick)?.members.remove(member);
}

function inspectGroup(group: Group): void {
  if (group.members.size === 0) {
    clearInterval(group.timer);
    group.timer = undefined;
    return;
  }
  const now = Date.now();
  for (const watched of group.members.snapshot()) watched.inspect(now);
}
