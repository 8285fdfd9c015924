#!/usr/bin/env node
/**
 * The `fastcgi-fetch` command: `serve` a fetch-handler module over FastCGI (with workers,
 * graceful restarts and a status path) or run the `dev` HTTP front. See `fastcgi-fetch --help`.
 * @module
 */
import { main } from './cli/main.js';

const code = await main(process.argv.slice(2));
// Whatever the app left scheduled (timers, sockets) must not keep a stopped server alive.
process.exit(code);
