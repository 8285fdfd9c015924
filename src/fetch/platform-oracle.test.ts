import { expect, it } from 'vitest';
import { NativeResponse } from './light-response.js';
import { describePlatformOracle } from '../../test/support/suites/platform-oracle-suite.js';

it('runs this file with the platform globals', () => {
  expect(Response).toBe(NativeResponse);
});

describePlatformOracle('platform');
