/**
 * Header init a light Response can keep as it is: a plain record or an array of pairs whose
 * names and values `Headers` would take unchanged, copied (the platform copies init headers at
 * construction). Anything else is left to the platform's own conversion.
 */
import { isToken } from '../http/is-token.js';
import { askPlatform } from './ask-platform.js';
import { CheckedHeaders } from './encode-cgi-head.js';

/**
 * Header names and values already found valid. Apps send the same few again and again; a Set
 * lookup costs a fifth of the check. Bounded: emptied when full, short strings only.
 */
const knownNames = new Set<string>();
const knownValues = new Set<string>();
const KNOWN_MAX = 512;

function remember(known: Set<string>, text: string): void {
  if (text.length > 128) return;
  if (known.size >= KNOWN_MAX) known.clear();
  known.add(text);
}

function isKnownToken(name: string): boolean {
  if (knownNames.has(name)) return true;
  if (!isToken(name)) return false;
  remember(knownNames, name);
  return true;
}

function isKnownPlainValue(text: string): boolean {
  if (knownValues.has(text)) return true;
  if (!isPlainValue(text)) return false;
  remember(knownValues, text);
  return true;
}

/** A header value `Headers` keeps unchanged: no NUL, CR, LF or char above U+00FF, no surrounding blanks. */
function isPlainValue(text: string): boolean {
  // A loop rather than a regular expression: on these short strings it is about twice as fast.
  const length = text.length;
  if (length === 0) return true;
  let code = text.charCodeAt(0);
  if (code === 0x20 || code === 0x09) return false;
  code = text.charCodeAt(length - 1);
  if (code === 0x20 || code === 0x09) return false;
  for (let i = 0; i < length; i++) {
    code = text.charCodeAt(i);
    if (code === 0 || code === 0x0a || code === 0x0d || code > 0xff) return false;
  }
  return true;
}

/**
 * Whether the platform's `Headers` takes a record's non-enumerable names too: undici's does,
 * Bun's and Deno's list only the enumerable ones, as WebIDL's record conversion does.
 */
const takesHiddenNames = askPlatform(
  () => new Headers(Object.defineProperty({}, 'x', { value: '1', enumerable: false }) as Record<string, string>).has('x'),
  false,
);

/**
 * Whether a value combined with an empty one ("x" and "") reads back the same from the one line
 * the platform's Headers lists ("x, ", trimmed on the wire) as from the two lines a light
 * response writes: on Node; Bun and Deno keep "x, " from two lines. Where it does not, an init
 * with an empty value goes to the platform, so the written head is the platform's.
 */
const keepsEmptyParts = askPlatform(() => {
  const combined = [
    ...new Headers([
      ['a', 'x'],
      ['a', ''],
    ]),
  ][0]![1];
  const oneLine = new Headers([['a', combined.trim()]]);
  const twoLines = new Headers([
    ['a', 'x'],
    ['a', ''],
  ]);
  const readBack = (headers: Headers) => [...new Response(null, { headers }).headers][0]![1];
  return readBack(oneLine) === readBack(twoLines);
}, false);

/**
 * `value` (whose prototype is `proto`) checked and copied when it is a plainly valid record or
 * array of pairs, else undefined (the platform then converts it). A Proxy is taken as the object
 * it shows; the platform lists only its enumerable keys, which differs only for a Proxy that
 * reports non-enumerable ones.
 */
export function copyHeaderInit(value: object, proto: unknown): CheckedHeaders | undefined {
  const list: string[] = [];
  if (proto === Object.prototype || proto === null) {
    // As WebIDL's record conversion: every own name, and symbols, which it rejects.
    if (Object.getOwnPropertySymbols(value).length !== 0) return undefined;
    for (const name of takesHiddenNames ? Object.getOwnPropertyNames(value) : Object.keys(value)) {
      const text: unknown = (value as Record<string, unknown>)[name];
      if (typeof text !== 'string' || name === '__proto__' || !isKnownToken(name) || !isKnownPlainValue(text)) return undefined;
      if (text === '' && !keepsEmptyParts) return undefined;
      list.push(name, text);
    }
    return new CheckedHeaders(list);
  }
  if (proto !== Array.prototype) return undefined;
  for (const item of value as unknown[]) {
    if (!Array.isArray(item) || item.length !== 2) return undefined;
    const name: unknown = item[0];
    const text: unknown = item[1];
    if (typeof name !== 'string' || typeof text !== 'string' || !isKnownToken(name) || !isKnownPlainValue(text)) return undefined;
    if (text === '' && !keepsEmptyParts) return undefined;
    list.push(name, text);
  }
  return new CheckedHeaders(list);
}
