/**
 * The event-loop watcher thread (see stall-watch.ts). It runs beside the main thread, so it
 * still runs when a handler blocks the main thread's loop; node:inspector's
 * `connectToMainThread` lets it pause that thread and read its stack.
 */
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';
import { formatStall, writeSlowLog, type SlowRequest } from './slowlog.js';
import { STALL_HOOK, type StallWatchData } from './stall-watch.js';

interface CallFrame {
  callFrameId: string;
  functionName: string;
  url: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
}

const { heartbeat, timeout, slowlog, pid } = workerData as StallWatchData;
const beats = new BigInt64Array(heartbeat);
/** How long a pause may take to land: none does while the thread is in native code (a sync read, Atomics.wait). */
const PAUSE_WAIT_MS = 2000;

// Evaluated in the blocked frame: its stack, as the app's own errors would show it.
const STACK_EXPRESSION = `(() => {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  try { return String(new Error().stack); } finally { Error.stackTraceLimit = limit; }
})()`;

/**
 * Connected only while taking a stack: a session left open would make the process print
 * "Waiting for the debugger to disconnect..." and wait at exit.
 */
let session: Session | undefined;
let onPaused: ((frames: CallFrame[]) => void) | undefined;

function post<T>(method: string, params?: object): Promise<T> {
  const open = session;
  if (open === undefined) return Promise.reject(new Error('not connected'));
  return new Promise((resolve, reject) => {
    open.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

/** Drops the frames of our own evaluation, which come first, and the "Error" line. */
function ownFramesDropped(stack: string): string {
  const lines = stack.split('\n').slice(1);
  let first = 0;
  while (first < lines.length && /\(eval at |<anonymous>:\d+:\d+\)?$/.test(lines[first]!)) first++;
  return lines.slice(first).join('\n');
}

function framesAsStack(frames: readonly CallFrame[]): string {
  return frames
    .map(
      (f) =>
        `    at ${f.functionName || '<anonymous>'} (${f.url || `script ${f.location.scriptId}`}:${f.location.lineNumber + 1}:${f.location.columnNumber + 1})`,
    )
    .join('\n');
}

async function evaluate(frame: CallFrame | undefined, expression: string): Promise<unknown> {
  const result = frame
    ? await post<{ result: { value?: unknown } }>('Debugger.evaluateOnCallFrame', { callFrameId: frame.callFrameId, expression, returnByValue: true })
    : await post<{ result: { value?: unknown } }>('Runtime.evaluate', { expression, returnByValue: true });
  return result.result.value;
}

function connect(): void {
  const opened = new Session();
  opened.connectToMainThread();
  opened.on('Debugger.paused', (message: { params: { callFrames: CallFrame[] } }) => {
    if (onPaused) onPaused(message.params.callFrames);
    // A pause that landed after we gave up waiting: let the thread go on at once.
    else void post('Debugger.resume').catch(() => {});
  });
  session = opened;
}

/** Pauses the main thread, reads what blocks it, lets it go on. */
async function capture(blockedMs: number): Promise<string> {
  connect();
  try {
    return await stackOfBlockedThread(blockedMs);
  } finally {
    session?.disconnect();
    session = undefined;
  }
}

async function stackOfBlockedThread(blockedMs: number): Promise<string> {
  await post('Debugger.enable');
  const paused = new Promise<CallFrame[] | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), PAUSE_WAIT_MS);
    onPaused = (frames) => {
      clearTimeout(timer);
      resolve(frames);
    };
  });
  await post('Debugger.pause');
  const frames = await paused;
  onPaused = undefined;
  if (frames === undefined) {
    await post('Debugger.disable').catch(() => {});
    return formatStall(
      pid,
      Date.now(),
      blockedMs,
      [],
      '    (no JavaScript stack: the thread is blocked outside JavaScript, e.g. in a synchronous system call)',
    );
  }
  try {
    const hook = `globalThis[Symbol.for(${JSON.stringify(STALL_HOOK.description)})]?.() ?? '[]'`;
    const requests = JSON.parse(String(await evaluate(undefined, hook).catch(() => '[]'))) as SlowRequest[];
    const stack = await evaluate(frames[0], STACK_EXPRESSION).catch(() => undefined);
    const text = typeof stack === 'string' ? ownFramesDropped(stack) : framesAsStack(frames);
    return formatStall(pid, Date.now(), blockedMs, requests, text || framesAsStack(frames));
  } finally {
    await post('Debugger.resume').catch(() => {});
    await post('Debugger.disable').catch(() => {});
  }
}

let reported = false;
let capturing = false;

async function check(): Promise<void> {
  const blockedMs = Date.now() - Number(Atomics.load(beats, 0));
  if (blockedMs < timeout) {
    reported = false;
    return;
  }
  if (reported || capturing) return;
  reported = true;
  capturing = true;
  try {
    writeSlowLog(slowlog, await capture(blockedMs));
  } catch (error) {
    parentPort?.postMessage(`cannot read the blocked event loop's stack: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    capturing = false;
  }
}

if (typeof Session.prototype.connectToMainThread === 'function') {
  // A ref'd interval: it keeps this thread alive (the main thread unrefs the thread itself).
  setInterval(() => void check(), Math.max(20, Math.min(250, timeout / 4)));
} else {
  parentPort?.postMessage("stacks of a blocked event loop need node:inspector's connectToMainThread, which this runtime lacks");
}
