import type { FastCGIContext } from 'fastcgi-fetch';

const MAX_FILE = 10 * 1024 * 1024;

async function sha256(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** File upload: a multipart form with a `file` field; answers with its name, size and SHA-256. */
export default {
  async fetch(request: Request, context: FastCGIContext): Promise<Response> {
    if (request.method !== 'POST' || new URL(request.url).pathname !== '/upload') {
      return new Response('POST a multipart form with a "file" field to /upload\n', { status: 404 });
    }
    if (Number(request.headers.get('content-length') ?? 0) > MAX_FILE) {
      return Response.json({ error: 'file too large' }, { status: 413 });
    }
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      return Response.json({ error: 'expected multipart/form-data' }, { status: 400 });
    }
    const file = form.get('file');
    if (!(file instanceof File)) return Response.json({ error: 'no file field' }, { status: 400 });
    const bytes = await file.arrayBuffer();
    context.log(`upload: ${file.name} (${bytes.byteLength} bytes) from ${context.remoteAddress}`);
    return Response.json({ name: file.name, type: file.type, size: bytes.byteLength, sha256: await sha256(bytes) }, { status: 201 });
  },
};
