/**
 * What nginx (Debian's package and its fastcgi_params) changes on purpose between the browser
 * and the app. The exchanges that show one declare it; nothing else may differ.
 */
import { jsonField, type Known } from './compare.js';

/** The Host header the app sees, at `path` in its JSON answer, has lost the port. */
export function hostWithoutPort(path: string): Known {
  return jsonField(
    path,
    '127.0.0.1',
    'the Host header the app sees has no port',
    "Debian's fastcgi_params sends HTTP_HOST as $host, which has no port (a security update); the URL keeps the port, from SERVER_PORT",
  );
}

/** A request header with an underscore in its name, at `path`, never reaches the app. */
export function underscoreHeaderDropped(path: string): Known {
  return jsonField(path, null, 'a request header named with "_" is missing', 'nginx drops header names with underscores (underscores_in_headers off)');
}

/** A chunked upload reaches the app with a Content-Length and without Transfer-Encoding. */
export function chunkedUploadBuffered(contentLengthPath: string, length: number, transferEncodingPath?: string): Known[] {
  const why = 'nginx reads the whole chunked body before it starts the FastCGI request (fastcgi_request_buffering on) and passes its length as CONTENT_LENGTH';
  const known = [jsonField(contentLengthPath, String(length), 'a chunked upload arrives with a Content-Length', why)];
  if (transferEncodingPath) known.push(jsonField(transferEncodingPath, null, 'a chunked upload arrives without Transfer-Encoding', why));
  return known;
}
