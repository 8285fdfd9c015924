import type { FastCGIContext } from 'fastcgi-fetch';

/** Tokens and who they belong to; a real app would check a signature or a session store. */
const TOKENS: Record<string, { user: string; role: string }> = {
  'secret-ada': { user: 'ada', role: 'admin' },
  'secret-bob': { user: 'bob', role: 'reader' },
};

/**
 * A FastCGI Authorizer (lighttpd `"mode" => "authorizer"`, Apache mod_fcgid `FcgidAuthorizer`):
 * 200 lets the request through and `Variable-*` headers become variables for the protected app;
 * any other response goes to the browser as is.
 */
export default {
  fetch(request: Request, context: FastCGIContext): Response {
    if (context.role !== 'authorizer') return new Response('this app only authorizes\n', { status: 500 });
    const match = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '');
    const who = match ? TOKENS[match[1]!] : undefined;
    if (who === undefined) {
      return new Response('authentication required\n', {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="example"', 'content-type': 'text/plain' },
      });
    }
    if (new URL(request.url).pathname.startsWith('/admin') && who.role !== 'admin') {
      return new Response('forbidden\n', { status: 403 });
    }
    return new Response(null, { status: 200, headers: { 'Variable-REMOTE_USER': who.user, 'Variable-USER_ROLE': who.role } });
  },
};
