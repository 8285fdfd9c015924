/**
 * The entry file a web server starts (mod_fcgid, lighttpd bin-path, CGI): the same fixture app,
 * served with no listen option. That takes the listening socket on fd 0 when the server left
 * one there, and handles one CGI request when started as a CGI program.
 *
 * FIXTURE_APP=authorizer serves the authorizer handler instead; FIXTURE_CONTROL is the test's
 * probe socket; FIXTURE_EXIT_LOG collects "<pid> exit <how>" lines to prove clean shutdowns.
 */
import { appendFileSync } from 'node:fs';
import { serve } from '../../src/index.js';
import { authorizerFetch } from './authorizer-app.js';
import { createFixtureApp } from './fixture-app.js';
import { remoteProbe } from './remote-probe.js';

const app = process.env.FIXTURE_APP === 'authorizer' ? authorizerFetch : createFixtureApp(remoteProbe(process.env.FIXTURE_CONTROL));

function note(how: string): void {
  if (process.env.FIXTURE_EXIT_LOG) appendFileSync(process.env.FIXTURE_EXIT_LOG, `${process.pid} ${how}\n`);
}

const server = serve(app);
await server.ready();
if (server.address?.type === 'cgi') {
  // Started as a CGI program: serve() answered this process's one request.
  await server.close();
  note('cgi-done');
} else {
  note('listening');
  // The recommended pattern for spawned apps: finish what is in flight, then leave.
  process.once('SIGTERM', () => {
    void server.close({ timeout: 2000 }).then(() => {
      note('exit SIGTERM');
      process.exit(0);
    });
  });
}
