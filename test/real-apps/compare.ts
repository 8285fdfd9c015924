/**
 * Compares what a browser got from an app under its own server and under fastcgi-fetch behind
 * nginx. Differences nginx is known to make are declared (`Known`), each with its reason, and
 * must show where declared; any other difference is reported.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Observation } from './client.js';

/** A difference the web server makes on purpose, declared for the exchanges where it shows. */
export interface Known {
  /** What differs, as a browser or the app sees it. */
  what: string;
  /** Why nginx does it. */
  why: string;
  /** Makes `ours` agree with `own` where this difference shows; returns false if it did not show. */
  patch(own: Observation, ours: Observation): boolean;
}

/** Headers about the connection, not the response (RFC 9110 §7.6.1), and the clock. */
const NOT_COMPARED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection', 'date']);

/** nginx names itself in every answer; the apps' own Node servers send no Server header. */
const SERVER_HEADER: Known = {
  what: 'a Server: nginx/… header',
  why: 'nginx adds its Server header (server_tokens) to every response it passes on',
  patch(own, ours) {
    if (own.headers.some(([name]) => name === 'server')) return false;
    const before = ours.headers.length;
    ours.headers = ours.headers.filter(([name, value]) => !(name === 'server' && value.startsWith('nginx')));
    return ours.headers.length < before;
  },
};

/** Differences nginx makes to every exchange. */
const ALWAYS: readonly Known[] = [SERVER_HEADER];

function pathGet(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null || !(key in at)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function pathSet(value: unknown, path: readonly string[], to: unknown): void {
  let at = value as Record<string, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[path[path.length - 1]!] = to;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The app's JSON answer has `oursValue` at `path` behind nginx where it has something else
 * under its own server (e.g. the Host header it saw).
 */
export function jsonField(path: string, oursValue: unknown, what: string, why: string): Known {
  const keys = path.split('.');
  return {
    what: `${what} (${path} is ${JSON.stringify(oursValue)})`,
    why,
    patch(own, ours) {
      const ownJson = parseJson(own.body);
      const oursJson = parseJson(ours.body);
      if (ownJson === undefined || oursJson === undefined) return false;
      const ownValue = pathGet(ownJson, keys);
      if (!isDeepStrictEqual(pathGet(oursJson, keys), oursValue) || isDeepStrictEqual(ownValue, oursValue)) return false;
      pathSet(oursJson, keys, ownValue);
      // Both re-serialised the same way, so only the patched field can still differ.
      own.body = Buffer.from(JSON.stringify(ownJson));
      ours.body = Buffer.from(JSON.stringify(oursJson));
      return true;
    },
  };
}

/** Replaces each side's own address by a placeholder: the two servers listen on different ports. */
function normaliseOrigin(observation: Observation, origin: string): void {
  const host = origin.replace(/^https?:\/\//, '');
  const swap = (text: string): string => text.split(origin).join('{origin}').split(host).join('{host}');
  observation.headers = observation.headers.map(([name, value]) => [name, swap(value)]);
  const encoded = observation.headers.some(([name]) => name === 'content-encoding');
  if (!encoded) observation.body = Buffer.from(swap(observation.body.toString('latin1')), 'latin1');
}

function header(observation: Observation, name: string): string | undefined {
  return observation.headers.find(([n]) => n === name)?.[1];
}

function hasNoBody(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/** Header lines grouped by name (sorted), each name's values in the order received. */
function headerTable(observation: Observation, skip: ReadonlySet<string>): Map<string, string[]> {
  const table = new Map<string, string[]>();
  for (const [name, value] of observation.headers) {
    if (NOT_COMPARED.has(name) || skip.has(name)) continue;
    table.set(name, [...(table.get(name) ?? []), value]);
  }
  return new Map([...table].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function describeBody(body: Buffer): string {
  const text = body.toString('utf8');
  const shown = text.length > 300 ? `${text.slice(0, 300)}…` : text;
  return `${body.length} bytes ${JSON.stringify(shown)}`;
}

export interface Comparison {
  /** Differences not declared as known, one line each; [] when the servers agree. */
  differences: string[];
  /** Known differences declared for this exchange that did not show. */
  stale: string[];
}

/**
 * Compares two observations of the same request. Mutates them (normalisation and the known
 * differences' patches).
 */
export function compare(
  method: string,
  own: Observation & { origin: string },
  ours: Observation & { origin: string },
  known: readonly Known[],
  departures: readonly Known[] = [],
  /** For HEAD: how many body bytes the same request as GET got from each side. */
  getLengths?: { own: number; ours: number },
): Comparison {
  const differences: string[] = [];
  // A body's length is a matter of framing (one side may stream what the other counted): each
  // declared length must fit its own body as received, and the bodies must be equal. Without a
  // body the declared length is all the browser learns: there it must be the same on both sides.
  for (const [side, o] of [
    ['own', own],
    ['ours', ours],
  ] as const) {
    const declared = header(o, 'content-length');
    if (declared !== undefined && !hasNoBody(method, o.status) && Number(declared) !== o.body.length) {
      differences.push(`${side}: Content-Length ${declared} but ${o.body.length} body bytes`);
    }
  }
  normaliseOrigin(own, own.origin);
  normaliseOrigin(ours, ours.origin);
  const stale: string[] = [];
  for (const k of [...ALWAYS, ...departures]) k.patch(own, ours);
  for (const k of known) if (!k.patch(own, ours)) stale.push(`declared but not seen: ${k.what}`);

  if (own.status !== ours.status) differences.push(`status: own ${own.status}, ours ${ours.status}`);
  if (own.statusText !== ours.statusText) differences.push(`status text: own ${JSON.stringify(own.statusText)}, ours ${JSON.stringify(ours.statusText)}`);

  // HEAD: the length GET would have, or none (RFC 9110 §9.3.2 lets a server leave it out, as
  // the Node servers here do); a length the app's own server declares must be declared the same.
  const head = method === 'HEAD' && getLengths !== undefined;
  if (head) {
    const ownLength = header(own, 'content-length');
    const oursLength = header(ours, 'content-length');
    if (ownLength !== undefined && oursLength !== ownLength) differences.push(`HEAD Content-Length: own ${ownLength}, ours ${oursLength ?? '(none)'}`);
    if (ownLength === undefined && oursLength !== undefined && Number(oursLength) !== getLengths.ours) {
      differences.push(`ours: HEAD Content-Length ${oursLength} where GET has ${getLengths.ours} bytes`);
    }
  }
  const noBody = hasNoBody(method, own.status) && !head;
  const ownHeaders = headerTable(own, noBody ? new Set() : new Set(['content-length']));
  const oursHeaders = headerTable(ours, noBody ? new Set() : new Set(['content-length']));
  for (const name of new Set([...ownHeaders.keys(), ...oursHeaders.keys()])) {
    const a = ownHeaders.get(name);
    const b = oursHeaders.get(name);
    if (!isDeepStrictEqual(a, b)) differences.push(`header ${name}: own ${a ? JSON.stringify(a) : '(none)'}, ours ${b ? JSON.stringify(b) : '(none)'}`);
  }
  if (!own.body.equals(ours.body)) differences.push(`body: own ${describeBody(own.body)}; ours ${describeBody(ours.body)}`);
  return { differences, stale };
}
