/**
 * Records what the integration suites measure, per server and feature, and renders it as
 * COMPATIBILITY.md: the README's table comes from a run, not from memory. Each test file writes
 * its own fragment (results/<file>.json, git-ignored); only a complete run turns the fragments
 * into the table (see compatibility-reporter.ts), so running one file, or a run with a server
 * missing, leaves the committed table as it is.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** yes: works; no: the server cannot (measured, and asserted so); fail: broke this run. */
export type Outcome = 'yes' | 'no' | 'fail';

const FEATURES = {
  url: 'public URL (path, %-escapes, UTF-8, query, host:port)',
  prefix: 'mounted under /app/',
  headers: 'repeated + 6 KB headers',
  cookies: 'cookies, 2× Set-Cookie',
  methods: 'methods + body',
  status: '404/201/204/304/500, HEAD',
  redirect: 'redirect Location',
  upload: '5 MiB upload',
  download: '5 MiB download',
  early: 'early 413 during upload',
  sse: 'SSE event by event',
  abort: 'disconnect aborts request.signal',
  bodyFailure: 'body failing mid-way reaches the browser as an error',
  multiplex: 'multiplexed requests',
  spawn: 'spawns app (fd 0), clean exit',
  authorizer: 'Authorizer role',
  filter: 'Filter role (DATA stream)',
  cgi: 'CGI mode',
} as const;
export type Feature = keyof typeof FEATURES;

/** The test files that record into the table: the table is written only when every one ran in full. */
export const FRAGMENTS = ['body-failure', 'cgi', 'roles', 'servers'] as const;

const here = fileURLToPath(new URL('.', import.meta.url));
/** Where the fragments of the current run go (git-ignored). */
export const RESULTS_DIR = join(here, 'results');
/** The committed table. */
export const TABLE_FILE = join(here, 'COMPATIBILITY.md');

type Results = Record<string, Partial<Record<Feature, Outcome>>>;
type Notes = Record<string, string[]>;

/** What one test file wrote. */
interface Fragment {
  results: Results;
  /** Facts a passing test established. */
  measured: Notes;
  /** Facts known from investigation that no test checks: shown marked as such. */
  notes: Notes;
  /** `server: feature` cells a test was declared for but never recorded (skipped, filtered out). */
  missing: string[];
}

/** One recorder per test file. */
export class CompatibilityRecorder {
  readonly #results: Results = {};
  readonly #measured: Notes = {};
  readonly #notes: Notes = {};
  readonly #expected = new Set<string>();
  constructor(
    readonly fragment: string,
    readonly dir: string = RESULTS_DIR,
  ) {}

  /** Declares, when the test is defined, that a test will record `feature` for `server`. */
  expect(server: string, feature: Feature): void {
    this.#expected.add(cell(server, feature));
  }

  record(server: string, feature: Feature, outcome: Outcome): void {
    const row = (this.#results[server] ??= {});
    const previous = row[feature];
    // A failure in any variant shows; otherwise one working variant (e.g. with flushpackets)
    // makes the feature available.
    if (previous === 'fail' || (previous === 'yes' && outcome === 'no')) return;
    row[feature] = outcome;
  }

  /** A fact the calling test has just asserted; call it only after the assertions passed. */
  measured(server: string, text: string): void {
    add(this.#measured, server, text);
  }

  /** A fact no test checks (known from investigation); the table marks it as a note. */
  note(server: string, text: string): void {
    add(this.#notes, server, text);
  }

  /** Writes this file's fragment (the table itself is rendered once the whole run is over). */
  write(): void {
    const missing = [...this.#expected].filter((c) => {
      const [server, feature] = c.split(': ') as [string, Feature];
      return this.#results[server]?.[feature] === undefined;
    });
    const fragment: Fragment = { results: this.#results, measured: this.#measured, notes: this.#notes, missing };
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, `${this.fragment}.json`), `${JSON.stringify(fragment, null, 2)}\n`);
  }
}

function cell(server: string, feature: Feature): string {
  return `${server}: ${feature}`;
}

function add(notes: Notes, server: string, text: string): void {
  const list = (notes[server] ??= []);
  if (!list.includes(text)) list.push(text);
}

/** Why the fragments in `dir` do not make a whole table, or undefined when they do. */
export function incompleteness(dir: string = RESULTS_DIR): string | undefined {
  const absent = FRAGMENTS.filter((name) => !existsSync(join(dir, `${name}.json`)));
  if (absent.length > 0) return `no results from ${absent.map((name) => `${name}.test.ts`).join(', ')}`;
  const missing = FRAGMENTS.flatMap((name) => readFragment(dir, name).missing.map((c) => `${c} (${name}.test.ts)`));
  if (missing.length > 0) return `not run: ${missing.join(', ')}`;
  return undefined;
}

function readFragment(dir: string, name: string): Fragment {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Fragment;
}

const SYMBOL: Record<Outcome, string> = { yes: '✅', no: '❌', fail: '💥 failed' };
const SERVER_ORDER = [
  'nginx',
  'Apache mod_proxy_fcgi',
  'Apache mod_fcgid',
  'Apache mod_cgid',
  'lighttpd',
  'lighttpd bin-path',
  'Caddy',
  'HAProxy',
  'raw client',
];

/** COMPATIBILITY.md as the fragments in `dir` make it (call only when they are complete). */
export function renderTable(dir: string = RESULTS_DIR): string {
  const results: Results = {};
  const measured: Notes = {};
  const notes: Notes = {};
  for (const name of FRAGMENTS) {
    const fragment = readFragment(dir, name);
    for (const [server, row] of Object.entries(fragment.results)) Object.assign((results[server] ??= {}), row);
    for (const [server, list] of Object.entries(fragment.measured)) (measured[server] ??= []).push(...list);
    for (const [server, list] of Object.entries(fragment.notes)) (notes[server] ??= []).push(...list);
  }
  const servers = Object.keys(results).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const features = (Object.keys(FEATURES) as Feature[]).filter((f) => servers.some((s) => results[s]![f] !== undefined));
  const noted = (s: string) => [...(measured[s] ?? []), ...(notes[s] ?? []).map((text) => `_note, not measured:_ ${text}`)];
  const lines = [
    '<!-- generated by test/integration/*.test.ts (compatibility.ts); do not edit by hand -->',
    `| server | ${features.map((f) => FEATURES[f]).join(' | ')} |`,
    `|---|${features.map(() => ':-:').join('|')}|`,
    ...servers.map((s) => `| ${s} | ${features.map((f) => (results[s]![f] ? SYMBOL[results[s]![f]!] : '–')).join(' | ')} |`),
    '',
    '✅ measured working · ❌ measured: the server does not do it · – not applicable / not tested',
    '',
    ...servers.filter((s) => noted(s).length > 0).map((s) => `- **${s}**: ${noted(s).join('; ')}`),
    '',
  ];
  return lines.join('\n');
}

function rank(server: string): number {
  const index = SERVER_ORDER.indexOf(server);
  return index === -1 ? SERVER_ORDER.length : index;
}
