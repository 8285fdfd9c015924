/** Test fixture: an app started by a "web server" that left its listening socket on fd 0. */
import { serve } from '../serve.js';

const server = await serve(() => new Response('from fd 0')).ready();
process.stdout.write(`${JSON.stringify(server.address)}\n`);
process.once('SIGTERM', () => {
  void server.close({ timeout: 1000 }).then(() => process.exit(0));
});
