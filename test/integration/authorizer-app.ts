/**
 * A fetch handler written as a FastCGI Authorizer: it allows `Bearer ok` (or Basic ok:ok, which
 * Apache's authenticator phase passes as REMOTE_USER / REMOTE_PASSWD) and hands the server two
 * variables; anything else gets its own 403 page. Asked as a Responder, it says so.
 */
import type { FastCGIContext } from 'fastcgi-fetch';

const BASIC_OK = `Basic ${Buffer.from('ok:ok').toString('base64')}`;

export function authorizerFetch(request: Request, context: FastCGIContext): Response {
  if (context.role !== 'authorizer') {
    return Response.json({ role: context.role, note: 'this handler is an authorizer' }, { status: 500 });
  }
  const auth = request.headers.get('authorization');
  const basicUser = context.params.REMOTE_USER === 'ok' && context.params.REMOTE_PASSWD === 'ok';
  if (auth === 'Bearer ok' || auth === BASIC_OK || basicUser) {
    // Variable-NAME headers become NAME for the server and the protected app (FastCGI spec §6.3).
    return new Response(null, {
      status: 200,
      headers: { 'Variable-AUTHZ_USER': 'alice', 'Variable-AUTHZ_SCOPE': 'read write' },
    });
  }
  return new Response('denied by the fetch authorizer\n', { status: 403, headers: { 'content-type': 'text/plain', 'x-denied-by': 'fetch-authorizer' } });
}
