import { describeDropIn } from '../../test/support/suites/drop-in-suite.js';

// Taken before the first app installs the light Response: what ofetch, ky and msw hold on to.
describeDropIn('light', { fetch: globalThis.fetch, Request: globalThis.Request, Response: globalThis.Response });
