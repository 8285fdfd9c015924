/**
 * Every option and default is written once, in src/server/options.ts (the limits in
 * src/engine/limits.ts): these tests pin that its TSDoc, serve(), createTestClient, the CLI's
 * help and docs/options.md all agree with `SERVE_DEFAULTS`.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from 'fastcgi-fetch/client';
import { createTestClient } from 'fastcgi-fetch/testing';
import { DEV_DEFAULTS, DEV_FLAGS, parseCommand, SERVE_FLAGS } from '../src/cli/args.js';
import { POOL_DEFAULTS } from '../src/cli/pool-options.js';
import { DEFAULT_LIMITS } from '../src/engine/limits.js';
import { createApplication } from '../src/server/application.js';
import { resolveTarget } from '../src/server/listen-target.js';
import { SERVE_DEFAULTS } from '../src/server/options.js';
import { serve } from '../src/server/serve.js';
import { flagsFor, literalValue, OPTIONS_DOC, readServeOptions, renderOptionsTable, TABLE_END, TABLE_START, withTable } from './support/options-doc.js';

const options = readServeOptions();
const defaults: Readonly<Record<string, unknown>> = SERVE_DEFAULTS;
const app = () => new Response('ok');

function helpOf(argv: string[]): string {
  const help = parseCommand(argv, {});
  if (help.command !== 'help') throw new Error(`${argv.join(' ')} gave no help`);
  return help.text;
}

/** A flag's lines in a help text: its own line and the indented ones that continue it. */
function helpBlock(text: string, flag: string): string {
  const match = new RegExp(`^  --${flag} .*\\n(?: {20,}.*\\n)*`, 'm').exec(text);
  if (!match) throw new Error(`--${flag} is not in the help`);
  return match[0];
}

describe('ServeOptions and SERVE_DEFAULTS', () => {
  it('reads every member of ServeOptions, inherited ones included', () => {
    const names = options.map((o) => o.name);
    expect(names).toEqual(expect.arrayContaining(['port', 'path', 'fd', 'closeTimeout', 'maxRequests', 'maxBodySize', 'onError', 'overrideGlobalObjects']));
    expect(names).toEqual([...new Set(names)]);
  });

  it('documents every option with a why and a @default', () => {
    for (const option of options) {
      expect(option.description.length, option.name).toBeGreaterThan(20);
      expect(option.defaultTag, `${option.name} has no @default`).toBeTruthy();
    }
  });

  it('has a default value for exactly the options whose @default is a literal, and it is that literal', () => {
    for (const option of options) {
      const literal = literalValue(option.defaultTag ?? '');
      expect(literal, `${option.name}: @default ${option.defaultTag}`).toStrictEqual(defaults[option.name]);
    }
    expect(Object.keys(SERVE_DEFAULTS).filter((key) => !options.some((o) => o.name === key))).toEqual([]);
  });

  it('takes the engine limits from the engine, maxRequests included', () => {
    expect(SERVE_DEFAULTS).toMatchObject(DEFAULT_LIMITS);
    expect(Object.keys(DEFAULT_LIMITS)).toContain('maxRequests');
  });

  it('reads literals as the compiler would, and prose as no value', () => {
    expect([literalValue('100 * 1024 * 1024'), literalValue('120_000'), literalValue('0o660'), literalValue("'127.0.0.1'"), literalValue('true')]).toEqual([
      104_857_600,
      120_000,
      0o660,
      '127.0.0.1',
      true,
    ]);
    expect([literalValue('stderr'), literalValue("the process's user"), literalValue('none: listen on TCP'), literalValue('0 (never)')]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('what serve() and createTestClient apply', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('createApplication starts from every default limit', () => {
    const { limits } = createApplication(app, { overrideGlobalObjects: false });
    expect(limits).toEqual(DEFAULT_LIMITS);
    expect(createApplication(app, { overrideGlobalObjects: false, maxRequests: 3, idleTimeout: 5 }).limits).toEqual({
      ...DEFAULT_LIMITS,
      maxRequests: 3,
      idleTimeout: 5,
    });
  });

  it('createTestClient advertises the default FCGI_MAX_CONNS and FCGI_MAX_REQS through GET_VALUES', async () => {
    const client = createTestClient(app);
    expect(await client.getValues(['FCGI_MAX_CONNS', 'FCGI_MAX_REQS'])).toEqual({
      FCGI_MAX_CONNS: String(SERVE_DEFAULTS.maxConnections),
      FCGI_MAX_REQS: String(SERVE_DEFAULTS.maxRequests),
    });
    await client.close();
  });

  it('serve() binds the default hostname and advertises the default limits over TCP', async () => {
    const server = await serve(app, { port: 0, log: () => {} }).ready();
    try {
      expect(server.address).toMatchObject({ type: 'tcp', host: SERVE_DEFAULTS.hostname });
      const port = (server.address as { port: number }).port;
      const client = createClient({ host: SERVE_DEFAULTS.hostname, port });
      expect(await client.getValues(['FCGI_MAX_CONNS', 'FCGI_MAX_REQS'])).toEqual({
        FCGI_MAX_CONNS: String(SERVE_DEFAULTS.maxConnections),
        FCGI_MAX_REQS: String(SERVE_DEFAULTS.maxRequests),
      });
      await client.close();
    } finally {
      await server.close({ timeout: 100 });
    }
  });

  it('serve() creates its Unix socket with the default mode', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fcgi-options-'));
    dirs.push(dir);
    const path = join(dir, 'app.sock');
    const server = await serve(app, { path, log: () => {} }).ready();
    try {
      expect((await stat(path)).mode & 0o777).toBe(SERVE_DEFAULTS.socketMode);
    } finally {
      await server.close({ timeout: 100 });
    }
  });

  it('serve() with no listen option and nothing inherited listens on the default host and port', () => {
    expect(resolveTarget({}, {})).toEqual({ kind: 'tcp', host: SERVE_DEFAULTS.hostname, port: SERVE_DEFAULTS.port });
  });
});

describe('the CLI', () => {
  const serveHelp = helpOf(['serve', '--help']);

  it('lists every serve flag of the table in --help, with its environment variable', () => {
    for (const [flag, spec] of Object.entries(SERVE_FLAGS)) {
      const block = flag === 'help' ? serveHelp : helpBlock(serveHelp, flag);
      if ('env' in spec) expect(block, `--${flag}`).toContain(`$${spec.env}`);
    }
  });

  it('maps flags only to ServeOptions keys, and every listen option to a flag', () => {
    const names = new Set(options.map((o) => o.name));
    for (const [flag, spec] of Object.entries(SERVE_FLAGS)) {
      for (const key of 'sets' in spec ? spec.sets : []) expect(names.has(key), `--${flag} sets ${key}`).toBe(true);
    }
    for (const key of ['port', 'hostname', 'path', 'fd', 'socketMode', 'socketOwner', 'socketGroup', 'closeTimeout', 'requestTimeout']) {
      expect(flagsFor(key), key).not.toEqual([]);
    }
  });

  it("prints each default of a flag's option from SERVE_DEFAULTS, in the flag's unit", () => {
    const shown: Record<string, (block: string) => void> = {
      listen: () => expect(serveHelp).toContain(`else $FASTCGI_LISTEN, else ${SERVE_DEFAULTS.hostname}:${SERVE_DEFAULTS.port}`),
      'socket-mode': (block) => expect(block).toContain(`(default ${SERVE_DEFAULTS.socketMode.toString(8)})`),
      'shutdown-timeout': (block) => expect(block).toContain(`(default ${SERVE_DEFAULTS.closeTimeout / 1000})`),
      // 0 is "never": the flag is off unless given.
      'request-timeout': (block) => {
        expect(SERVE_DEFAULTS.requestTimeout).toBe(0);
        expect(block).not.toContain('(default');
      },
    };
    const withDefaults = Object.entries(SERVE_FLAGS)
      .filter(([, spec]) => 'sets' in spec && spec.sets.some((key: string) => key in SERVE_DEFAULTS))
      .map(([flag]) => flag);
    expect(withDefaults.sort()).toEqual(Object.keys(shown).sort());
    for (const flag of withDefaults) shown[flag]!(helpBlock(serveHelp, flag));
  });

  it("prints the CLI's own defaults from its defaults objects", () => {
    expect(helpBlock(serveHelp, 'ping-response')).toContain(`(default ${POOL_DEFAULTS.pingResponse})`);
    const devHelp = helpOf(['dev', '--help']);
    expect(helpBlock(devHelp, 'port')).toContain(`(default ${DEV_DEFAULTS.port})`);
    expect(helpBlock(devHelp, 'port')).toContain(`$${DEV_FLAGS.port.env}`);
    expect(helpBlock(devHelp, 'host')).toContain(`(default ${DEV_DEFAULTS.host})`);
  });

  it('applies the defaults it prints', () => {
    const command = parseCommand(['serve', 'app.js'], {});
    expect(command).toMatchObject({ shutdownTimeout: SERVE_DEFAULTS.closeTimeout, pool: POOL_DEFAULTS });
    expect(parseCommand(['dev', 'app.js'], {})).toMatchObject(DEV_DEFAULTS);
  });
});

describe('docs/options.md', () => {
  const doc = readFileSync(OPTIONS_DOC, 'utf8');
  const table = doc.slice(doc.indexOf(TABLE_START) + TABLE_START.length, doc.indexOf(TABLE_END));
  const rows = [...table.matchAll(/^\| `([^`]+)` \| `[^`]*` \| (.*?) \| /gm)].map((m) => ({ name: m[1]!, shown: m[2]! }));

  it('is the table generated from src/server/options.ts (run `npm run docs:options` after editing it)', () => {
    expect(doc).toBe(withTable(doc, renderOptionsTable(options)));
  });

  it('has one row per ServeOptions key, and a key for each row', () => {
    expect(rows.map((r) => r.name).sort()).toEqual(options.map((o) => o.name).sort());
  });

  it('shows each default of SERVE_DEFAULTS, and prose for the options without one', () => {
    for (const { name, shown } of rows) {
      const code = /^`([^`]+)`/.exec(shown)?.[1];
      if (name in SERVE_DEFAULTS) expect(literalValue(code ?? ''), name).toStrictEqual(defaults[name]);
      else expect(code === undefined ? undefined : literalValue(code), name).toBeUndefined();
    }
  });
});
