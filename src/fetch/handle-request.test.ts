import { expect, it } from 'vitest';
import { NativeResponse } from './light-response.js';
import { describeHandleRequest } from '../../test/support/suites/handle-request-suite.js';

it('runs this file with the platform globals', () => {
  expect(Response).toBe(NativeResponse);
});

describeHandleRequest('platform Request and Response');
