/**
 * Downloads aborted by the client mid-way: GET a long body through nginx (unbuffered, so the
 * app is still streaming it), read part of it, then drop the connection — alternately with a
 * TCP reset and with a plain close. Bounded by a count.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface AbortStats {
  aborted: number;
  /** A connection that failed before the cut-off or a response that was not a 200. */
  unexpected: number;
  samples: string[];
}

/** Bytes each download asks for: far more than socket buffers hold, so the app is mid-way. */
const ASK_BYTES = 16 * 1024 * 1024;
/** The client hangs up after this many response bytes. */
const CUT_BYTES = 512 * 1024;
const TIMEOUT_MS = 30_000;

function one(port: number, reset: boolean): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = 0;
    let head = '';
    let finished = false;
    const finish = (problem: string | undefined) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(problem);
    };
    const timer = setTimeout(() => {
      socket.destroy();
      finish(`no ${CUT_BYTES} bytes within ${TIMEOUT_MS} ms (got ${received})`);
    }, TIMEOUT_MS);
    socket.on('connect', () => {
      socket.write(`GET /download?n=${ASK_BYTES} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      if (finished) return;
      if (head.length < 12) head += chunk.subarray(0, 12).toString('latin1');
      received += chunk.length;
      if (received < CUT_BYTES) return;
      if (!head.startsWith('HTTP/1.1 200')) {
        socket.destroy();
        finish(`status line ${JSON.stringify(head.slice(0, 12))}`);
        return;
      }
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
      finish(undefined);
    });
    socket.on('error', (error) => finish(`socket error: ${error.message}`));
    socket.on('close', () => finish(`closed after ${received} bytes`));
  });
}

/**
 * Runs `count` aborted downloads against nginx on `port`, `concurrency` at a time, paced so
 * that no more than `allowed()` have begun: they spread over the whole soak, not its start.
 */
export async function abortedDownloads(
  port: number,
  count: number,
  concurrency: number,
  allowed: () => number,
  onProgress: (done: number) => void,
): Promise<AbortStats> {
  const stats: AbortStats = { aborted: 0, unexpected: 0, samples: [] };
  let next = 0;
  const lane = async () => {
    while (next < count) {
      if (next >= allowed()) {
        await sleep(20);
        continue;
      }
      const index = next++;
      const problem = await one(port, index % 2 === 0);
      if (problem === undefined) stats.aborted++;
      else {
        stats.unexpected++;
        if (stats.samples.length < 10) stats.samples.push(problem);
      }
      onProgress(stats.aborted + stats.unexpected);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return stats;
}
