/**
 * The CLI as a user runs it: the packed tarball installed into fresh projects next to the
 * frameworks, `node_modules/.bin/fastcgi-fetch serve <file>` with no preloads, and a real
 * FastCGI request to each app.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, lockedVersion, packPackage, run } from '../pack-package.js';
import { fcgiGet, startProcess, stopAll, tempDir } from './helpers.js';

type ProjectType = 'commonjs' | 'module';

const HONO_TS = `import { Hono } from 'hono';
const app = new Hono();
app.get('*', (c) => c.text(\`hono ts \${c.req.path}\`));
export default app;
`;

const ITTY_ESM = `import { AutoRouter } from 'itty-router';
const router = AutoRouter();
router.get('/hello/:name', ({ name }) => ({ hello: name }));
export default router;
`;

const ITTY_CJS = `const { AutoRouter } = require('itty-router');
const router = AutoRouter();
router.get('/hello/:name', ({ name }) => ({ hello: name }));
module.exports = router;
`;

const esmApp = (label: string) => `export default { fetch: (request) => new Response('${label} ' + new URL(request.url).pathname) };\n`;
const cjsApp = (label: string) => `module.exports = { fetch: (request) => new Response('${label} ' + new URL(request.url).pathname) };\n`;

interface AppFile {
  readonly source: string;
  /** What `GET /hello/world` answers. */
  readonly answer: string;
}

/** The apps of each project: what its "type" lets each extension hold. */
const APPS: Record<ProjectType, Record<string, AppFile>> = {
  commonjs: {
    'app.js': { source: cjsApp('cjs js'), answer: 'cjs js /hello/world' },
    'app.mjs': { source: esmApp('mjs'), answer: 'mjs /hello/world' },
    'app.ts': { source: HONO_TS, answer: 'hono ts /hello/world' },
    'itty.js': { source: ITTY_CJS, answer: '{"hello":"world"}' },
    'itty.mjs': { source: ITTY_ESM, answer: '{"hello":"world"}' },
  },
  module: {
    'app.js': { source: esmApp('esm js'), answer: 'esm js /hello/world' },
    'app.cjs': { source: cjsApp('cjs'), answer: 'cjs /hello/world' },
    'app.ts': { source: HONO_TS, answer: 'hono ts /hello/world' },
    'itty.js': { source: ITTY_ESM, answer: '{"hello":"world"}' },
  },
};

/** A file Node cannot load as it stands: ESM syntax in a .js that "type": "commonjs" makes CommonJS. */
const MISPLACED_ESM = 'esm-in-commonjs.js';

const root = tempDir('installed');
const projects = {} as Record<ProjectType, string>;

afterAll(async () => {
  await stopAll();
  fs.rmSync(root, { recursive: true, force: true });
});

beforeAll(async () => {
  const tarball = await packPackage(root);
  // The framework versions this repository tests with: npm ci put them in the npm cache.
  const deps = ['hono', 'itty-router', 'tsx'].map((name) => `${name}@${lockedVersion(name)}`);
  await Promise.all(
    (Object.keys(APPS) as ProjectType[]).map(async (type) => {
      const dir = path.join(root, type);
      fs.mkdirSync(dir);
      await run('npm', ['init', '-y'], dir);
      // npm init -y writes "type": "commonjs" with recent npm and nothing with older ones: say it.
      await run('npm', ['pkg', 'set', `type=${type}`], dir);
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...deps], dir);
      for (const [file, app] of Object.entries(APPS[type])) fs.writeFileSync(path.join(dir, file), app.source);
      fs.writeFileSync(path.join(dir, MISPLACED_ESM), esmApp('misplaced'));
      projects[type] = dir;
    }),
  );
}, 240_000);

async function serveAndAsk(type: ProjectType, file: string, extraArgs: string[] = []) {
  const dir = projects[type];
  const socket = path.join(dir, `${file}.sock`);
  const cli = startProcess(path.join(dir, 'node_modules/.bin/fastcgi-fetch'), ['serve', file, '--listen', socket, ...extraArgs], {
    cwd: dir,
    env: cleanEnv({ FASTCGI_LISTEN: undefined }),
  });
  try {
    await cli.waitFor(/serving /, 30_000);
    const hello = await fcgiGet({ path: socket }, '/hello/world');
    const missing = await fcgiGet({ path: socket }, '/nowhere');
    return { hello, missing, output: cli.output() };
  } finally {
    await cli.stop();
  }
}

for (const type of Object.keys(APPS) as ProjectType[]) {
  describe(`the installed fastcgi-fetch serve, in a "type": "${type}" project`, () => {
    for (const [file, { answer }] of Object.entries(APPS[type])) {
      it(`serves ${file} with no preloads`, async () => {
        const { hello } = await serveAndAsk(type, file);
        expect(hello.status).toBe(200);
        expect(hello.body).toBe(answer);
      }, 60_000);
    }

    const itty = type === 'module' ? 'itty.js' : 'itty.mjs';
    it(`serves the itty AutoRouter app ${itty} from 2 workers, 404 included`, async () => {
      const { hello, missing, output } = await serveAndAsk(type, itty, ['--workers', '2']);
      expect(output).toMatch(/with 2 worker\(s\)/);
      expect(hello.body).toBe('{"hello":"world"}');
      expect(missing.status).toBe(404);
    }, 60_000);
  });
}

describe('the installed fastcgi-fetch serve, given a file Node cannot load', () => {
  it('says why import/export in a .js of a "type": "commonjs" project fails, in one line', async () => {
    const dir = projects.commonjs;
    const cli = startProcess(path.join(dir, 'node_modules/.bin/fastcgi-fetch'), ['serve', MISPLACED_ESM, '--listen', path.join(dir, 'never.sock')], {
      cwd: dir,
      env: cleanEnv({ FASTCGI_LISTEN: undefined }),
    });
    expect(await cli.exited).toBe(1);
    // Node adds its own warning above; ours is the one line that names the file and the fix.
    const ours = cli
      .output()
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('(node:') && !line.startsWith('(Use `node'));
    expect(ours).toEqual([
      `fastcgi-fetch: cannot load ${MISPLACED_ESM}: it uses import/export, but Node runs a .js file as CommonJS unless the nearest package.json says "type": "module"; set that, or rename the file to .mjs`,
    ]);
  }, 30_000);
});
