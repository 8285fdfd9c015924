// The entry file a web server starts (mod_fcgid FcgidWrapper, lighttpd "bin-path",
// spawn-fcgi, or a CGI ScriptAlias). serve() with no listen option takes the listening
// socket the server left on fd 0; on SIGTERM (the server stopping) it finishes what is in
// flight and exits, so no process outlives the server.
import { serve } from 'fastcgi-fetch';

const app = { fetch: (request: Request) => new Response(`hello from ${new URL(request.url).pathname}\n`) };

const server = serve(app);
process.once('SIGTERM', () => {
  void server.close({ timeout: 2000 }).then(() => process.exit(0));
});
