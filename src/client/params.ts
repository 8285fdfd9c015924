/** Where the request is routed on the application side: what a web server's config decides. */
export interface ParamsOptions {
  /** DOCUMENT_ROOT; also makes SCRIPT_FILENAME = documentRoot + SCRIPT_NAME (nginx's usual line). */
  documentRoot?: string | undefined;
  /** SCRIPT_FILENAME, fixed or computed per request (wins over documentRoot). */
  scriptFilename?: string | ((url: URL) => string) | undefined;
  /** SCRIPT_NAME prefix; the rest of the path becomes PATH_INFO. Default: the whole path, no PATH_INFO. */
  scriptName?: string | undefined;
  /** REMOTE_ADDR; default 127.0.0.1. */
  remoteAddress?: string | undefined;
  /** REMOTE_PORT; not sent when unset. */
  remotePort?: number | undefined;
  /** SERVER_ADDR; not sent when unset. */
  serverAddress?: string | undefined;
}

const PLAIN_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The CGI params a web server would send for `request` (spec §6.2, RFC 3875): request line,
 * server and client addresses, CONTENT_* and one HTTP_* per header. `overrides` wins; an
 * `undefined` override removes the param.
 */
export function buildParams(
  request: Request,
  contentLength: number | undefined,
  authorizer: boolean,
  options: ParamsOptions,
  overrides: Readonly<Record<string, string | undefined>> | undefined,
): Map<string, string> {
  const url = new URL(request.url);
  const path = decodePath(url.pathname);
  const params = new Map<string, string>();
  params.set('GATEWAY_INTERFACE', 'CGI/1.1');
  params.set('SERVER_SOFTWARE', 'fastcgi-fetch');
  params.set('SERVER_PROTOCOL', 'HTTP/1.1');
  params.set('REQUEST_METHOD', request.method);
  params.set('REQUEST_URI', url.pathname + url.search);
  params.set('DOCUMENT_URI', path);
  params.set('QUERY_STRING', url.search.slice(1));
  const scriptName = options.scriptName;
  if (scriptName !== undefined && path.startsWith(scriptName)) {
    params.set('SCRIPT_NAME', scriptName);
    params.set('PATH_INFO', path.slice(scriptName.length));
  } else {
    params.set('SCRIPT_NAME', path);
  }
  if (options.documentRoot !== undefined) {
    params.set('DOCUMENT_ROOT', options.documentRoot);
    params.set('SCRIPT_FILENAME', options.documentRoot.replace(/\/+$/, '') + params.get('SCRIPT_NAME'));
  }
  const filename = options.scriptFilename;
  if (filename !== undefined) params.set('SCRIPT_FILENAME', typeof filename === 'function' ? filename(url) : filename);
  const https = url.protocol === 'https:';
  params.set('REQUEST_SCHEME', https ? 'https' : 'http');
  if (https) params.set('HTTPS', 'on');
  params.set('SERVER_NAME', url.hostname.replace(/^\[(.*)\]$/, '$1'));
  params.set('SERVER_PORT', url.port || PLAIN_PORTS[url.protocol] || '80');
  if (options.serverAddress !== undefined) params.set('SERVER_ADDR', options.serverAddress);
  params.set('REMOTE_ADDR', options.remoteAddress ?? '127.0.0.1');
  if (options.remotePort !== undefined) params.set('REMOTE_PORT', String(options.remotePort));

  const type = request.headers.get('content-type');
  if (type !== null) params.set('CONTENT_TYPE', type);
  if (contentLength !== undefined) params.set('CONTENT_LENGTH', String(contentLength));
  if (!request.headers.has('host')) params.set('HTTP_HOST', url.host);
  for (const [name, value] of request.headers) {
    // A name with "_" would alias a "-" header once mapped (nginx drops these too).
    if (name === 'content-type' || name === 'content-length' || name.includes('_')) continue;
    params.set(`HTTP_${name.toUpperCase().replaceAll('-', '_')}`, value);
  }
  if (authorizer) {
    // An Authorizer sees the request line and headers only (spec §6.3).
    for (const name of ['CONTENT_LENGTH', 'PATH_INFO', 'SCRIPT_NAME']) params.delete(name);
  }
  if (overrides !== undefined) {
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) params.delete(name);
      else params.set(name, value);
    }
  }
  return params;
}
