/**
 * Memory of fastcgi-fetch under streaming and under many multiplexed requests: RSS of the app
 * process sampled while it works, compared with its RSS just before.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNginx } from './lib/nginx.js';
import { run } from './lib/processes.js';
import { rss, sampleRss } from './lib/proc-stats.js';
import { MiB, fmt } from './lib/stats.js';
import { AnswerReader, cgiParams, parseCgiResponse, requestRecords } from '../test/support/fastcgi-peer.js';
import { fastcgiFetch } from './targets/node.js';
import type { Target } from './targets/target.js';

const RATE = 10 * MiB;
/** The goal: RSS grows less than this while streaming. */
const GROWTH_LIMIT = 16 * MiB;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Whether STDOUT is the hold app's answer: 200 and "held". */
function held(stdout: Uint8Array): boolean {
  try {
    const { status, body } = parseCgiResponse(stdout);
    return status === 200 && body.toString() === 'held';
  } catch {
    return false;
  }
}

/** RSS once the heap has calmed down after the previous step. */
async function settledRss(pid: number): Promise<number> {
  await sleep(500);
  return rss(pid);
}

/** A 1 GiB (by default) download to a 10 MiB/s reader, then the same upload to a handler reading at 10 MiB/s. */
export async function measureStreaming(work: string, mib: number, contender: Target = fastcgiFetch): Promise<string> {
  const dir = fs.mkdtempSync(path.join(work, 'streaming-'));
  const target = await contender.start(dir);
  // An HTTP contender (a runtime's own server) sits behind proxy_pass, unbuffered as well.
  const nginx = await startNginx(path.join(dir, 'nginx'), [{ key: 'app', protocol: contender.protocol, socket: target.socket, streaming: true }]);
  const base = `http://127.0.0.1:${nginx.port('app', true)}`;
  const pid = target.process.pid;
  const buffering = contender.protocol === 'fastcgi' ? 'fastcgi' : 'proxy';
  const size = mib * MiB;
  const lines: string[] = [];
  try {
    const upload = path.join(dir, 'upload.bin');
    // Sparse: no disk is used, and curl reads it as a stream with a known length.
    fs.writeFileSync(upload, '');
    fs.truncateSync(upload, size);
    // Warm-up: the first streamed response and upload load code and grow pools.
    await run('curl', ['-sS', '-o', '/dev/null', `${base}/stream?n=${8 * MiB}`]);
    await run('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-X',
      'POST',
      '-H',
      'content-type: application/octet-stream',
      '--data-binary',
      'warm',
      `${base}/upload?rate=0`,
    ]);

    log(`memory (${contender.name}): downloading ${mib} MiB at ${RATE / MiB} MiB/s (about ${Math.round(size / RATE)} s)`);
    let before = await settledRss(pid);
    let sampler = sampleRss(pid);
    const got = await run('curl', ['-sS', '-o', '/dev/null', '--limit-rate', String(RATE), '-w', '%{size_download}', `${base}/stream?n=${size}`], {
      timeoutMs: (size / RATE) * 3000 + 60_000,
    });
    let peak = sampler.stop();
    const downloadOk = Number(got.trim()) === size;
    lines.push(
      `- ${contender.name}: ${mib} MiB response to a client reading at 10 MiB/s (nginx, ${buffering}_buffering off): RSS ${fmt(before / MiB, 1)} → peak ${fmt(peak / MiB, 1)} MiB, growth **${fmt((peak - before) / MiB, 1)} MiB** (goal < 16 MiB: ${!downloadOk ? 'NOT measured, the download failed' : peak - before < GROWTH_LIMIT ? 'met' : 'NOT met'})${downloadOk ? '' : `; client got ${got.trim()} bytes, expected ${size}`}`,
    );
    log(lines.at(-1)!);

    log(`memory (${contender.name}): uploading ${mib} MiB to a handler reading at ${RATE / MiB} MiB/s`);
    before = await settledRss(pid);
    sampler = sampleRss(pid);
    const answer = await run('curl', ['-sS', '-X', 'POST', '-H', 'content-type: application/octet-stream', '-T', upload, `${base}/upload?rate=${RATE}`], {
      timeoutMs: (size / RATE) * 3000 + 60_000,
    });
    peak = sampler.stop();
    const uploadOk = Number(answer.trim()) === size;
    lines.push(
      `- ${contender.name}: ${mib} MiB upload read by the handler at 10 MiB/s (${buffering}_request_buffering off): RSS ${fmt(before / MiB, 1)} → peak ${fmt(peak / MiB, 1)} MiB, growth **${fmt((peak - before) / MiB, 1)} MiB** (goal < 16 MiB: ${!uploadOk ? 'NOT measured, the upload failed' : peak - before < GROWTH_LIMIT ? 'met' : 'NOT met'})${uploadOk ? '' : `; handler counted ${answer.trim().slice(0, 80) || 'nothing'}, expected ${size}`}`,
    );
    log(lines.at(-1)!);
  } finally {
    await nginx.stop();
    await target.stop();
  }
  return lines.join('\n');
}

/** `count` requests in flight at once on one connection, straight to the app's socket. */
export async function measureMultiplexing(work: string, count: number, contender: Target = fastcgiFetch): Promise<string> {
  const dir = fs.mkdtempSync(path.join(work, 'multiplex-'));
  const target = await contender.start(dir);
  const pid = target.process.pid;
  const socket = net.connect(target.socket);
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let done = 0;
    let ok = 0;
    let finished: () => void = () => {};
    const allDone = new Promise<void>((resolve) => (finished = resolve));
    let expected = 0;
    const reader = new AnswerReader({
      onEnd(_id, answer) {
        done++;
        if (answer.end?.protocolStatus === 0 && held(answer.stdout)) ok++;
        if (done === expected) finished();
      },
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));

    // Warm-up round, so the figure is about requests and not about loading code.
    expected = 200;
    for (let id = 1; id <= 200; id++) socket.write(requestRecords(id, cgiParams('GET', '/hold?ms=10'), undefined, { keepConn: true }));
    await allDone;

    const holdMs = 4000 + count / 2;
    const before = await settledRss(pid);
    done = 0;
    ok = 0;
    expected = count;
    const complete = new Promise<void>((resolve) => (finished = resolve));
    const sampler = sampleRss(pid, 20);
    const startedAt = performance.now();
    for (let id = 1; id <= count; id++) socket.write(requestRecords(id, cgiParams('GET', `/hold?ms=${holdMs}`), undefined, { keepConn: true }));
    const timedOut = await Promise.race([complete.then(() => false), sleep(holdMs + 60_000, true)]);
    const elapsed = performance.now() - startedAt;
    const peak = sampler.stop();
    const perRequest = (peak - before) / count;
    const line = `- ${contender.name}: ${fmt(count)} concurrent requests multiplexed on one connection (each held ${fmt(holdMs / 1000, 1)} s): ${fmt(ok)} answered 200${timedOut ? ' (TIMED OUT)' : ''} in ${fmt(elapsed / 1000, 1)} s; RSS ${fmt(before / MiB, 1)} → peak ${fmt(peak / MiB, 1)} MiB: **${fmt(perRequest / 1024, 1)} KiB per in-flight request**`;
    log(line);
    return line;
  } finally {
    socket.destroy();
    await target.stop();
  }
}
