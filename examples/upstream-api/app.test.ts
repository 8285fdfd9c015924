import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient } from 'fastcgi-fetch/testing';
import app, { WEATHER_API } from './app.js';

// The upstream API, mocked at the network layer: any request without a handler fails the test.
const upstream = setupServer(
  http.get(`${WEATHER_API}/current`, ({ request }) => {
    const city = new URL(request.url).searchParams.get('city');
    if (city === 'Atlantis') return new HttpResponse(null, { status: 404 });
    return HttpResponse.json({ city, temperature_c: 21.4, conditions: 'Sunny' });
  }),
);

describe('the upstream-API example, with msw standing in for the API', () => {
  const client = createTestClient(app);

  beforeAll(() => upstream.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => upstream.resetHandlers());
  afterAll(async () => {
    upstream.close();
    await client.close();
  });

  it('reshapes the upstream answer', async () => {
    const response = await client.fetch('/weather/Lisbon');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('max-age=60');
    expect(await response.json()).toEqual({ city: 'Lisbon', summary: 'Sunny, 21 °C' });
  });

  it('passes an upstream 404 on as its own 404', async () => {
    const response = await client.fetch('/weather/Atlantis');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'unknown city Atlantis' });
  });

  it('answers 502 and logs to FCGI_STDERR when the API fails', async () => {
    upstream.use(http.get(`${WEATHER_API}/current`, () => new HttpResponse('boom', { status: 500 })));
    const { response, completed } = await client.request('/weather/Lisbon');
    expect(response.status).toBe(502);
    await response.text();
    expect((await completed).stderr).toEqual(['weather API answered 500']);
  });

  it('answers 502 when the API cannot be reached at all', async () => {
    upstream.use(http.get(`${WEATHER_API}/current`, () => HttpResponse.error()));
    const { response, completed } = await client.request('/weather/Lisbon');
    expect(response.status).toBe(502);
    await response.text();
    expect((await completed).stderr[0]).toMatch(/^weather API unreachable: /);
  });
});
