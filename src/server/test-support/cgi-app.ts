/** Test fixture: an app whose entry calls serve() with no listen option, started as CGI. */
import { serve } from '../serve.js';

const server = await serve(async (request) => new Response(`${request.method} ${new URL(request.url).pathname} ${await request.text()}`)).ready();
process.stderr.write(`${JSON.stringify(server.address)}\n`);
await server.close();
