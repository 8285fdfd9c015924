/** The soak's reference bytes: 1 MiB of seeded noise, the same in the app, the runner and wrk. */
import fs from 'node:fs';

const PAYLOAD_BYTES = 1024 * 1024;

/** xorshift32 from a fixed seed: every run and every process gets the same bytes. */
export function makePayload(size = PAYLOAD_BYTES): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Writes the payload to `file` (wrk's Lua reads it from there). */
export function writePayload(file: string): Buffer {
  const payload = makePayload();
  fs.writeFileSync(file, payload);
  return payload;
}
