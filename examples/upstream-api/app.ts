import type { FastCGIContext } from 'fastcgi-fetch';

/** The upstream API this app calls; tests replace it with msw handlers. */
export const WEATHER_API = 'https://api.weather.example/v1';

interface Current {
  city: string;
  temperature_c: number;
  conditions: string;
}

/**
 * A handler that calls an upstream API with `fetch` and reshapes the answer. The upstream call
 * follows the browser's request: if the browser leaves, the upstream request is aborted too.
 */
export default {
  async fetch(request: Request, context: FastCGIContext): Promise<Response> {
    const match = /^\/weather\/([^/]+)$/.exec(new URL(request.url).pathname);
    if (match === null) return new Response('not found\n', { status: 404 });
    const city = decodeURIComponent(match[1]!);
    let upstream: Response;
    try {
      upstream = await fetch(`${WEATHER_API}/current?city=${encodeURIComponent(city)}`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.any([request.signal, AbortSignal.timeout(5_000)]),
      });
    } catch (error) {
      context.log(`weather API unreachable: ${(error as Error).message}`);
      return Response.json({ error: 'weather service unavailable' }, { status: 502 });
    }
    if (upstream.status === 404) return Response.json({ error: `unknown city ${city}` }, { status: 404 });
    if (!upstream.ok) {
      context.log(`weather API answered ${upstream.status}`);
      return Response.json({ error: 'weather service unavailable' }, { status: 502 });
    }
    const current = (await upstream.json()) as Current;
    return Response.json(
      { city: current.city, summary: `${current.conditions}, ${Math.round(current.temperature_c)} °C` },
      { headers: { 'cache-control': 'max-age=60' } },
    );
  },
};
