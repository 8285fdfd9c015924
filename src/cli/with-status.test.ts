import { createServerAdapter } from '@whatwg-node/server';
import { describe, expect, it } from 'vitest';
import type { FastCGIContext } from '../types.js';
import { Counters, type StatusReport } from './status.js';
import { withStatus } from './with-status.js';

const noReport = (): Promise<StatusReport> => Promise.reject(new Error('no status path here'));

describe('withStatus', () => {
  it('hands an @whatwg-node/server adapter the context itself, prototype getters included', async () => {
    const adapter = createServerAdapter<FastCGIContext>((_request, context) => new Response(context.remoteAddress));
    const handler = withStatus(adapter, new Counters({ trackRequests: false }), {}, noReport);
    // The engine's context answers from getters on its prototype, as this class does.
    class Context {
      get remoteAddress() {
        return '192.0.2.7';
      }
    }
    const context = new Context() as unknown as FastCGIContext;
    const response = await handler(new Request('http://app.test/'), context, { waitUntil() {} } as never);
    expect(await response.text()).toBe('192.0.2.7');
  });

  it("answers the ping path with php-fpm's pong unless told otherwise", async () => {
    const handler = withStatus(() => new Response('app'), new Counters({ trackRequests: false }), { pingPath: '/ping' }, noReport);
    const response = await handler(new Request('http://app.test/ping'), {} as FastCGIContext, { waitUntil() {} } as never);
    expect(await response.text()).toBe('pong');
  });
});
