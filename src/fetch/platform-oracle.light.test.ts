import { expect, it } from 'vitest';
import { installFastGlobals } from './fast-globals.js';
import { LightResponse } from './light-response.js';
import { describePlatformOracle } from './test-support/platform-oracle.js';

installFastGlobals();

it('runs this file with the light globals installed', () => {
  expect(Response).toBe(LightResponse);
});

describePlatformOracle('light');
