import { describe, expect, it } from 'vitest';
import { appFiles } from './dev-watch.js';

describe('the files an app is made of', () => {
  it('are the modules reachable from its entry, and its CommonJS files, outside node_modules', () => {
    const edges: Array<[string | null, string]> = [
      [null, 'file:///cli/main.js'],
      ['file:///cli/main.js', 'file:///cli/load-app.js'],
      ['file:///cli/load-app.js', 'file:///srv/app/app.ts?tsx-namespace=1'],
      ['file:///srv/app/app.ts', 'file:///srv/app/routes/users.ts'],
      ['file:///srv/app/routes/users.ts', 'file:///srv/lib/shared.js'],
      ['file:///srv/app/app.ts', 'file:///srv/app/node_modules/hono/dist/index.js'],
      ['file:///srv/app/node_modules/hono/dist/index.js', 'file:///srv/app/node_modules/hono/dist/hono.js'],
      ['file:///srv/app/app.ts', 'node:fs'],
    ];
    const required = ['/srv/app/legacy.cjs', '/srv/app/node_modules/x/index.js', '/srv/app/lib.ts?namespace=1234', 'data:text/javascript,x'];
    expect(appFiles('/srv/app/app.ts', edges, required).sort()).toEqual(
      ['/srv/app/app.ts', '/srv/app/legacy.cjs', '/srv/app/lib.ts', '/srv/app/routes/users.ts', '/srv/lib/shared.js'].sort(),
    );
  });
});
