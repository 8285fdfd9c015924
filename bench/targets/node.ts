/** The Node contenders: the library, its HTTP alternative, the npm FastCGI peer, and the floor. */
import { nodeTarget } from './target.js';

export const fastcgiFetch = nodeTarget('fastcgi-fetch', 'fastcgi', 'fastcgi-fetch.ts');
export const honoNode = nodeTarget('@hono/node-server', 'http', 'hono-node.ts');
export const nodeFastcgi = nodeTarget('node-fastcgi', 'fastcgi', 'node-fastcgi.ts');
export const floor = nodeTarget('floor', 'fastcgi', 'floor.ts');

/**
 * BENCH_COMPARE_DIST=<another checkout's dist/> adds that build of the library as a contender
 * ("fastcgi-fetch (compare)"), so a change is measured against its base in the same run.
 */
export const compareDist = process.env.BENCH_COMPARE_DIST
  ? nodeTarget('fastcgi-fetch (compare)', 'fastcgi', 'fastcgi-fetch.ts', { FASTCGI_FETCH_DIST: process.env.BENCH_COMPARE_DIST })
  : undefined;
