import { describeDropIn } from '../../test/support/suites/drop-in-suite.js';

// Taken before any app starts: what ofetch, ky and msw hold on to.
describeDropIn('platform', { fetch: globalThis.fetch, Request: globalThis.Request, Response: globalThis.Response });
