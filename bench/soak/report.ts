/** Reads what the soak's parts left behind (wrk's summary, nginx's error log) and judges growth. */

export const KINDS = ['hello', 'download', 'upload', 'throw', 'reject'] as const;
type Kind = (typeof KINDS)[number];

export interface WrkSummary {
  sent: Record<Kind, number>;
  ok: Record<Kind, number>;
  bad: Record<Kind, number>;
  err500: number;
  unexpected: number;
  received: number;
  socketErrors: Record<string, number>;
  samples: string[];
}

function zero(): Record<Kind, number> {
  return { hello: 0, download: 0, upload: 0, throw: 0, reject: 0 };
}

/** Parses the block mix.lua's done() prints between `soak-summary` and `soak-end`. */
export function parseWrkSummary(output: string): WrkSummary {
  const start = output.indexOf('soak-summary');
  const end = output.indexOf('soak-end', start);
  if (start < 0 || end < 0) throw new Error(`wrk printed no soak summary:\n${output.slice(-2000)}`);
  const block = output.slice(start, end);
  const summary: WrkSummary = { sent: zero(), ok: zero(), bad: zero(), err500: 0, unexpected: 0, received: 0, socketErrors: {}, samples: [] };
  for (const match of block.matchAll(/samples<<\n([\s\S]*?)>>/g)) summary.samples.push(...match[1]!.split('\n').filter(Boolean));
  const text = block.replace(/samples<<\n[\s\S]*?>>/g, '');
  for (const [, name, value] of text.matchAll(/([\w.]+)=(\d+)/g)) {
    const [group, field] = name!.split('.') as [string, string | undefined];
    const n = Number(value);
    if (field === undefined) {
      if (group === 'err500' || group === 'unexpected' || group === 'received') summary[group] += n;
    } else if (group === 'socket') summary.socketErrors[field] = (summary.socketErrors[field] ?? 0) + n;
    else if ((KINDS as readonly string[]).includes(group) && (field === 'sent' || field === 'ok' || field === 'bad')) {
      summary[field][group as Kind] += n;
    }
  }
  return summary;
}

/** Latest `soak-progress <thread> <count>` of each thread, summed. */
export function wrkProgress(output: string): { received: number; doneThreads: number } {
  const latest = new Map<string, number>();
  for (const [, thread, count] of output.matchAll(/^soak-progress (\d+) (\d+)$/gm)) latest.set(thread!, Number(count));
  let received = 0;
  for (const count of latest.values()) received += count;
  return { received, doneThreads: [...output.matchAll(/^soak-done \d+$/gm)].length };
}

/** nginx error-log lines at level error or worse, split into expected and not. */
export function classifyNginxLog(text: string, intentional: string): { expected: number; environment: number; other: number; samples: string[] } {
  const out = { expected: 0, environment: 0, other: 0, samples: [] as string[] };
  for (const line of text.split('\n')) {
    if (!/\[(error|crit|alert|emerg)\]/.test(line)) continue;
    if (line.includes(intentional)) out.expected++;
    // Startup noise from the sandbox (worker_rlimit_nofile without CAP_SYS_RESOURCE), not a request.
    else if (line.includes('setrlimit(')) out.environment++;
    else {
      out.other++;
      if (out.samples.length < 10) out.samples.push(line.slice(0, 300));
    }
  }
  return out;
}

export interface Sample {
  /** Seconds since the load began. */
  t: number;
  /** Fraction of the soak's requests answered so far. */
  progress: number;
  rss: number;
  fds: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length === 0 ? Number.NaN : sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export interface Growth {
  /** Median over the window right after warm-up. */
  base: number;
  /** Median over the last window. */
  final: number;
  /** Highest sample after warm-up. */
  max: number;
  /** final / base - 1 */
  growth: number;
}

/**
 * Growth of one figure after warm-up: the median of the samples in the window just after
 * `warmUp` against the median of the samples in the last window of the same width. Medians,
 * because a single sample lands anywhere in a GC cycle.
 */
export function growthAfterWarmUp(samples: readonly Sample[], pick: (s: Sample) => number, warmUp: number, window: number): Growth {
  const after = samples.filter((s) => s.progress >= warmUp);
  const first = after.filter((s) => s.progress < warmUp + window).map(pick);
  const last = after.filter((s) => s.progress >= 1 - window).map(pick);
  const base = median(first.length > 0 ? first : after.slice(0, 1).map(pick));
  const final = median(last.length > 0 ? last : after.slice(-1).map(pick));
  return { base, final, max: Math.max(...after.map(pick)), growth: final / base - 1 };
}
