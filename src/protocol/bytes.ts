/** Joins byte arrays into one new array (one copy). */
export function concatBytes(parts: readonly Uint8Array[], size = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Bytes (of `bytes`, or its [start, end) range) → string, one char per byte (ISO-8859-1). */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (end - start <= 32) {
    // Param names and most short values: a plain loop beats apply() on a fresh view.
    let short = '';
    for (let i = start; i < end; i++) short += String.fromCharCode(bytes[i]!);
    return short;
  }
  let out = '';
  for (let i = start; i < end; i += 4096) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(i + 4096, end)) as unknown as number[]);
  }
  return out;
}

/** String → bytes, one byte per char; chars above U+00FF cannot be names and throw. */
export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new RangeError(`name ${JSON.stringify(text)} is not ISO-8859-1`);
    out[i] = code;
  }
  return out;
}
