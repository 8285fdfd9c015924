/** CGI mode: one request from the environment and stdin, the response on stdout. */
export { runCgi, type CgiOptions } from './run-cgi.js';
export { isCgiEnvironment, paramsFromEnvironment, scrubRequestProxy, type Environment } from './environment.js';
