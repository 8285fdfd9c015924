import { expect, it } from 'vitest';
import { installFastGlobals, lightRequests } from './fast-globals.js';
import { NativeRequest } from './light-request.js';
import { LightResponse } from './light-response.js';
import { findDenoRequestSlots, findRequestSlots } from './platform-slots.js';
import { describePlatformOracle } from '../../test/support/suites/platform-oracle-suite.js';

installFastGlobals();

it('runs this file with the light globals installed', () => {
  expect(Response).toBe(LightResponse);
});

it('hands handlers light requests wherever the platform takes them as its own (Node 20, 22, Deno, Bun)', () => {
  // The self-test behind lightRequests() falls back to the platform's Request when a platform
  // function does not take a light one as its own; on undici 6, Deno and Bun it must pass.
  const reachable =
    findRequestSlots(NativeRequest) !== undefined ||
    ('Deno' in globalThis && findDenoRequestSlots(NativeRequest, Headers) !== undefined) ||
    'Bun' in globalThis;
  expect(lightRequests()).toBe(reachable);
});

describePlatformOracle('light');
