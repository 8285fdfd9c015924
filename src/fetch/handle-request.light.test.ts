import { expect, it } from 'vitest';
import { installFastGlobals } from './fast-globals.js';
import { LightResponse } from './light-response.js';
import { describeHandleRequest } from '../../test/support/suites/handle-request-suite.js';

installFastGlobals();

it('runs this file with the light globals installed', () => {
  expect(Response).toBe(LightResponse);
});

describeHandleRequest('light Request and Response');
