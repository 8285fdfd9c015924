/**
 * The service behind the apps' proxies: plain node:http, compressing with node:zlib when the
 * client accepts it, as a real origin (or nginx's gzip) does.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gzipSync, brotliCompressSync, deflateSync } from 'node:zlib';

/** The text every compressed route encodes: long enough that compression pays. */
export const UPSTREAM_TEXT = 'the upstream says hello, '.repeat(200);

export interface Upstream {
  readonly url: string;
  close(): Promise<void>;
}

const ENCODERS: Record<string, (data: Buffer) => Buffer> = { gzip: gzipSync, br: brotliCompressSync, deflate: deflateSync };

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts the upstream on a free loopback port. */
export async function startUpstream(): Promise<Upstream> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://upstream');
      const body = await readBody(req);
      const coding = url.pathname.slice(1); // /gzip, /br, /deflate
      const encode = ENCODERS[coding];
      if (encode) {
        // Only what the client accepts, as a real origin does.
        const accepted = String(req.headers['accept-encoding'] ?? '').includes(coding);
        const data = accepted ? encode(Buffer.from(UPSTREAM_TEXT)) : Buffer.from(UPSTREAM_TEXT);
        const headers: Record<string, string | number> = {
          'content-type': 'text/plain; charset=utf-8',
          'content-length': data.length,
          vary: 'Accept-Encoding',
        };
        if (accepted) headers['content-encoding'] = coding;
        res.writeHead(200, headers);
        res.end(req.method === 'HEAD' ? undefined : data);
        return;
      }
      if (url.pathname === '/echo') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes', 'set-cookie': ['up1=1; Path=/', 'up2=2; Path=/'] });
        res.end(
          JSON.stringify({
            method: req.method,
            path: url.pathname,
            query: url.search,
            body: body.toString('utf8'),
            forwardedFor: req.headers['x-forwarded-for'] ?? null,
            contentType: req.headers['content-type'] ?? null,
            custom: req.headers['x-custom'] ?? null,
          }),
        );
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('upstream: not found');
    })().catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('upstream did not get a TCP port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
