/** The Node contenders: the library, its HTTP alternative, the npm FastCGI peer, and the floor. */
import { nodeTarget } from './target.js';

export const fastcgiFetch = nodeTarget('fastcgi-fetch', 'fastcgi', 'fastcgi-fetch.ts');
export const honoNode = nodeTarget('@hono/node-server', 'http', 'hono-node.ts');
export const nodeFastcgi = nodeTarget('node-fastcgi', 'fastcgi', 'node-fastcgi.ts');
export const floor = nodeTarget('floor', 'fastcgi', 'floor.ts');
