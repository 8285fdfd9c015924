/**
 * The platform as the oracle: for generated inputs, build the platform's Response (or Request)
 * and ours, and compare everything a program can observe. Any difference fails with the input
 * that shows it.
 */
import fc from 'fast-check';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createTestClient } from '../../../src/testing.js';
import { lightRequests } from '../../../src/fetch/fast-globals.js';
import { LightRequest, NativeRequest } from '../../../src/fetch/light-request.js';
import { LightResponse, NativeResponse, plainBody } from '../../../src/fetch/light-response.js';
import { findResponseSlots } from '../../../src/fetch/platform-slots.js';

/** Inputs for one constructor call, made afresh for each side (streams are one-shot). */
interface Case {
  label: string;
  make(Class: typeof Response): { response: () => Response; mutate: () => void };
}

const latin1 = new TextDecoder('latin1');

function errorName(error: unknown): string {
  return error instanceof Error ? error.constructor.name : typeof error;
}

/** `run()`'s value, or the class of what it threw. */
function attempt<T>(run: () => T): T | { threw: string } {
  try {
    return run();
  } catch (error) {
    return { threw: errorName(error) };
  }
}

async function attemptAsync<T>(run: () => Promise<T>): Promise<T | { threw: string }> {
  try {
    return await run();
  } catch (error) {
    return { threw: errorName(error) };
  }
}

/** The random multipart boundary the platform picks (undici's, Bun's, Deno's), made comparable. */
function normalize(text: string): string {
  return text.replace(/-{2,}(?:formdata-undici-\d+|WebKitFormBoundary[0-9a-f]+|\d{20,})/g, 'BOUNDARY');
}

async function bodyText(response: Response): Promise<string | { threw: string }> {
  return attemptAsync(async () => normalize(latin1.decode(await response.arrayBuffer())));
}

const RESPONSE_PROPS = ['type', 'url', 'redirected', 'status', 'ok', 'statusText', 'bodyUsed'] as const;

function surface(response: Response) {
  return {
    props: RESPONSE_PROPS.map((name) => [name, response[name]]),
    headers: [...response.headers].map(([name, value]) => [name, normalize(value)]),
    cookies: response.headers.getSetCookie(),
    // Own string keys only: the platform's own symbols are its internals (undici 6 has some,
    // undici 7 keeps them #private), which no other implementation has the same.
    keys: Object.keys(response),
    isResponse: response instanceof Response,
    isNative: response instanceof NativeResponse,
    isSubclass: response instanceof class extends Response {},
    tag: Object.prototype.toString.call(response),
    structuredClone: attempt(() => JSON.stringify(structuredClone(response))),
    nullBody: response.body === null,
    // biome-ignore lint/suspicious/noSelfCompare: the getter must hand out the same stream each time; the platform's does.
    sameBody: response.body === response.body,
  };
}

/** Everything observable about a response made by `make`, in a fixed order of operations. */
async function observe(made: { response: () => Response; mutate: () => void }) {
  const response = attempt(made.response);
  if ('threw' in response) return response;
  // The caller changes what it passed in right after construction, before anything is read.
  made.mutate();
  const before = surface(response);
  const headers = response.headers;
  const inspected = normalize(inspect(response, { colors: false }));
  const appended = attempt(() => headers.append('x-oracle', 'after'));
  const afterAppend = [...response.headers].map(([name, value]) => [name, normalize(value)]);
  const clone = attempt(() => response.clone());
  attempt(() => headers.set('x-oracle', 'after the clone'));
  const cloneBody = 'threw' in clone ? clone : await bodyText(clone);
  const body = await bodyText(response);
  const again = await bodyText(response);
  return {
    before,
    inspected,
    appended,
    afterAppend,
    cloneBody,
    cloneSurface: 'threw' in clone ? clone : surface(clone),
    body,
    again,
    bodyUsed: response.bodyUsed,
    sameHeaders: response.headers === headers,
    lateClone: attempt(() => response.clone().status),
  };
}

/** Shows a case by its label in fast-check's counterexamples. */
function labelled(testCase: Case): Case {
  return Object.assign(testCase, { [fc.toStringMethod]: () => testCase.label });
}

// ---- generators ----------------------------------------------------------------------------

const tokenChar = fc.constantFrom(..."!#$%&'*+-.^_`|~abcxyzABCXYZ019".split(''));
const headerName = fc.oneof(
  { weight: 14, arbitrary: fc.string({ unit: tokenChar, minLength: 1, maxLength: 6 }) },
  { weight: 2, arbitrary: fc.constantFrom('set-cookie', 'Content-Type', 'content-type', 'X-Same', 'x-same') },
  { weight: 1, arbitrary: fc.constantFrom('', 'a b', 'caf\u00e9', 'a:b', '\u0100', 'a\nb', '__proto__') },
);
const valueChar = fc.constantFrom('a', 'Z', '0', ' ', '\t', ',', ';', '=', '"', '\u00e9', '\u00ff', '\u0100', '\u20ac', '\r', '\n', '\0', '\x7f');
const headerValue = fc.oneof(
  { weight: 14, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', '1', '-', '=', ';', ',', '\u00e9'), maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', ' ', '\t'), maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: valueChar, maxLength: 6 }) },
);
const pairs = fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 });

/** Header init in every form, made fresh per side, with a mutation applied after construction. */
const headersInit = fc.oneof(
  pairs.map((list) => ({
    label: `record ${JSON.stringify(list)}`,
    make: () => {
      const record: Record<string, string> = {};
      for (const [name, value] of list) record[name] = value;
      return { value: record as unknown, mutate: () => void (record['x-later'] = 'changed') };
    },
  })),
  pairs.map((list) => ({
    label: `pairs ${JSON.stringify(list)}`,
    make: () => {
      const array = list.map(([name, value]) => [name, value]);
      const mutate = () => {
        array.push(['x-later', 'changed']);
        if (array[0]) array[0][1] = 'changed';
      };
      return { value: array as unknown, mutate };
    },
  })),
  pairs.map((list) => ({
    label: `Headers ${JSON.stringify(list)}`,
    make: () => {
      const headers = new Headers();
      let valid = true;
      for (const [name, value] of list) {
        try {
          headers.append(name, value);
        } catch {
          valid = false;
        }
      }
      return { value: (valid ? headers : new Headers()) as unknown, mutate: () => headers.set('x-later', 'changed') };
    },
  })),
  fc
    .constantFrom<[string, () => unknown]>(
      ['a Map', () => new Map([['x-map', '1']])],
      ['a wrong-arity pair', () => [['x-one']]],
      ['null', () => null],
      ['a number', () => 5],
      ['a string', () => 'x: y'],
      ['a symbol key', () => ({ [Symbol('s')]: 'v', a: 'b' })],
      ['a non-string value', () => ({ a: 5, b: true })],
      ['a non-enumerable name', () => Object.defineProperty({ a: '1' }, 'hidden', { value: 'h', enumerable: false })],
      [
        'a class instance',
        () =>
          new (class {
            a = '1';
          })(),
      ],
    )
    .map(([label, make]) => ({ label, make: () => ({ value: make(), mutate: () => {} }) })),
);

const status = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(200, 201, 204, 205, 299, 304, 400, 404, 500, 599) },
  { weight: 2, arbitrary: fc.integer({ min: -5, max: 70000 }) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>('201', ' 404 ', '2e2', 200.5, 599.9, NaN, Infinity, -0, 65736, null, true, '', [], {}, 0x10000 + 204) },
);
const statusText = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: fc.constantFrom('O', 'K', ' ', '\t', 'x'), maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('caf\u00e9', '\u0100', 'a\nb', 'a\rb', '\x7f', null, 5, '') },
);

const init = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<[string, unknown]>(['undefined', undefined], ['null', null], ['"text"', 'text'], ['5', 5], ['{}', {}], ['a function', () => {}])
      .map(([label, value]) => ({ label, make: () => ({ value, mutate: () => {} }) })),
  },
  {
    weight: 6,
    arbitrary: fc.record({ status, statusText, headers: headersInit }, { requiredKeys: [] }).map((fields) => ({
      label: `{ status: ${String(fields.status)}, statusText: ${JSON.stringify(fields.statusText)}, headers: ${fields.headers?.label} }`,
      make: () => {
        const headers = fields.headers?.make();
        const value: Record<string, unknown> = {};
        if ('status' in fields) value.status = fields.status;
        if ('statusText' in fields) value.statusText = fields.statusText;
        if (headers !== undefined) value.headers = headers.value;
        return { value, mutate: () => headers?.mutate() };
      },
    })),
  },
);

interface BodyCase {
  label: string;
  make(): { value: unknown; mutate: () => void };
}

const text = fc.string({ unit: fc.constantFrom('a', 'é', '\u20ac', '\ud83d\ude00', '\ud800', '\udc00', '\n', '\0'), maxLength: 8 });
const bytes = fc.uint8Array({ maxLength: 16 });

function chunked<T>(chunks: T[]): () => ReadableStream<T> {
  return () =>
    new ReadableStream<T>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
}

/** The bodies the light Response keeps itself: most of the cases, as in real apps. */
const lightBody: fc.Arbitrary<BodyCase> = fc.oneof(
  text.map((value) => ({ label: `string ${JSON.stringify(value)}`, make: () => ({ value, mutate: () => {} }) })),
  bytes.map((value) => ({
    label: `Uint8Array [${value}]`,
    make: () => {
      const copy = value.slice();
      return { value: copy, mutate: () => copy.fill(0x21) };
    },
  })),
  bytes.map((value) => ({
    label: `Uint8Array view [${value}] in a larger buffer`,
    make: () => {
      const buffer = new Uint8Array(value.length + 4);
      buffer.set(value, 2);
      const view = buffer.subarray(2, 2 + value.length);
      return { value: view, mutate: () => buffer.fill(0x21) };
    },
  })),
  bytes.map((value) => ({
    label: `Buffer [${value}]`,
    make: () => {
      const b = Buffer.from(value);
      return { value: b, mutate: () => b.fill(0x21) };
    },
  })),
  fc.constant({ label: 'null', make: () => ({ value: null, mutate: () => {} }) }),
);

const otherBody: fc.Arbitrary<BodyCase> = fc.oneof(
  bytes.map((value) => ({
    label: `ArrayBuffer [${value}]`,
    make: () => {
      const b = value.slice();
      return { value: b.buffer, mutate: () => b.fill(0x21) };
    },
  })),
  bytes.map((value) => ({
    label: `DataView [${value}]`,
    make: () => {
      const b = value.slice();
      return { value: new DataView(b.buffer), mutate: () => b.fill(0x21) };
    },
  })),
  bytes.map((value) => ({ label: `Int16Array of [${value}]`, make: () => ({ value: new Int16Array(Array.from(value)), mutate: () => {} }) })),
  text.map((value) => ({ label: `Blob ${JSON.stringify(value)}`, make: () => ({ value: new Blob([value], { type: 'text/x-blob' }), mutate: () => {} }) })),
  text.map((value) => ({ label: `URLSearchParams a=${JSON.stringify(value)}`, make: () => ({ value: new URLSearchParams({ a: value }), mutate: () => {} }) })),
  text.map((value) => ({
    label: `FormData a=${JSON.stringify(value)}`,
    make: () => {
      const form = new FormData();
      form.append('a', value);
      return { value: form, mutate: () => form.append('later', 'x') };
    },
  })),
  fc
    .array(bytes, { maxLength: 3 })
    .map((chunks) => ({ label: `ReadableStream of bytes ${chunks.length}`, make: () => ({ value: chunked(chunks)(), mutate: () => {} }) })),
  fc
    .array(text, { minLength: 1, maxLength: 3 })
    .map((chunks) => ({ label: `ReadableStream of strings ${JSON.stringify(chunks)}`, make: () => ({ value: chunked(chunks)(), mutate: () => {} }) })),
  // Not empty: an empty chunk from an async iterable hangs the platform's own body reader.
  fc.uint8Array({ minLength: 1, maxLength: 16 }).map((value) => ({
    label: `async iterable [${value}]`,
    make: () => ({
      value: {
        async *[Symbol.asyncIterator]() {
          yield value.slice();
        },
      },
      mutate: () => {},
    }),
  })),
  bytes.map((value) => ({
    label: 'SharedArrayBuffer view',
    make: () => {
      const shared = new Uint8Array(new SharedArrayBuffer(value.length));
      shared.set(value);
      return { value: shared, mutate: () => {} };
    },
  })),
  fc
    .constantFrom<[string, () => unknown]>(
      ['null', () => null],
      ['undefined', () => undefined],
      ['a number', () => 42],
      ['true', () => true],
      ['an object', () => ({ a: 1 })],
      ['an array', () => [1, 2]],
      ['a symbol', () => Symbol('s')],
      ['a bigint', () => 10n],
      [
        'a used stream',
        () => {
          const s = chunked([new Uint8Array(1)])();
          void s.getReader();
          return s;
        },
      ],
      ['a resizable ArrayBuffer', () => new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(4, { maxByteLength: 8 })],
    )
    .map(([label, make]) => ({ label, make: () => ({ value: make(), mutate: () => {} }) })),
);

const body = fc.oneof({ weight: 3, arbitrary: lightBody }, { weight: 1, arbitrary: otherBody });

const constructorCase: fc.Arbitrary<Case> = fc.tuple(body, init, fc.boolean()).map(([b, i, omitInit]) =>
  labelled({
    label: `new Response(${b.label}${omitInit ? '' : `, ${i.label}`})`,
    make: (Class) => {
      const madeBody = b.make();
      const madeInit = i.make();
      return {
        response: () => (omitInit ? new Class(madeBody.value as BodyInit) : new Class(madeBody.value as BodyInit, madeInit.value as ResponseInit)),
        mutate: () => {
          madeBody.mutate();
          madeInit.mutate();
        },
      };
    },
  }),
);

const jsonData = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue().map((value) => ({ label: JSON.stringify(value), make: () => value as unknown })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<[string, () => unknown]>(
        ['undefined', () => undefined],
        ['a function', () => () => 1],
        ['a symbol', () => Symbol('s')],
        ['a bigint', () => 10n],
        [
          'a cycle',
          () => {
            const a: Record<string, unknown> = {};
            a.a = a;
            return a;
          },
        ],
        ['toJSON', () => ({ toJSON: () => 'custom' })],
        ['a lone surrogate', () => '\ud800'],
      )
      .map(([label, make]) => ({ label, make })),
  },
);

const jsonCase: fc.Arbitrary<Case> = fc
  .tuple(jsonData, init, fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.constant(1) }, { weight: 4, arbitrary: fc.constant(2) }))
  .map(([data, i, arity]) =>
    labelled({
      label: `Response.json(${arity > 0 ? data.label : ''}${arity > 1 ? `, ${i.label}` : ''})`,
      make: (Class) => {
        const madeInit = i.make();
        const value = data.make();
        const json = Class.json as (...args: unknown[]) => Response;
        return {
          response: () => (arity === 0 ? json.call(Class) : arity === 1 ? json.call(Class, value) : json.call(Class, value, madeInit.value)),
          mutate: () => madeInit.mutate(),
        };
      },
    }),
  );

/** How many compared cases the light Response kept itself (without a handover). */
const coverage = { cases: 0, light: 0 };

async function compare(testCase: Case): Promise<void> {
  coverage.cases++;
  const probe = attempt(testCase.make(LightResponse as unknown as typeof Response).response);
  if (!('threw' in probe) && plainBody(probe) !== undefined) coverage.light++;
  const platform = await observe(testCase.make(NativeResponse));
  const ours = await observe(testCase.make(LightResponse as unknown as typeof Response));
  expect(ours, testCase.label).toEqual(platform);
}

function memberShape(target: object): Array<[string, string]> {
  return Reflect.ownKeys(target)
    .filter((key): key is string => typeof key === 'string')
    .map((key) => {
      const d = Object.getOwnPropertyDescriptor(target, key)!;
      const fn = (d.value ?? d.get) as { name?: string; length?: number } | undefined;
      const kind = d.get ? 'get' : typeof d.value;
      return [
        key,
        `${kind} enumerable=${d.enumerable} configurable=${d.configurable} writable=${d.writable} set=${typeof d.set} name=${typeof fn === 'function' || typeof fn === 'object' ? fn?.name : '-'} length=${kind === 'function' || kind === 'get' ? fn?.length : '-'}`,
      ];
    });
}

/**
 * The class's own members, `prototype` apart: a class defines it before its statics, and Bun's
 * Response lists it last (docs/runtimes.md).
 */
function staticShape(target: object): Array<[string, string]> {
  const shape = memberShape(target);
  const prototype = shape.findIndex(([key]) => key === 'prototype');
  return [...shape.slice(0, prototype), ...shape.slice(prototype + 1), shape[prototype]!];
}

/** The oracle, run in one global mode: `light` when the test file installed the fast globals. */
export function describePlatformOracle(mode: 'light' | 'platform'): void {
  describe(`the platform as the oracle (${mode} globals)`, () => {
    it('makes every generated Response exactly as the platform does', async () => {
      coverage.cases = coverage.light = 0;
      await fc.assert(fc.asyncProperty(constructorCase, compare), { numRuns: 1500 });
      // The oracle is only as good as its share of cases that stay on the light path.
      expect(coverage.light / coverage.cases).toBeGreaterThan(0.3);
    });

    it('makes every generated Response.json() exactly as the platform does', async () => {
      coverage.cases = coverage.light = 0;
      await fc.assert(fc.asyncProperty(jsonCase, compare), { numRuns: 400 });
      expect(coverage.light / coverage.cases).toBeGreaterThan(0.3);
    });

    it('makes the Responses of earlier counterexamples exactly as the platform does', async () => {
      const cases: Array<[string, (Class: typeof Response) => Response]> = [
        [
          'a combined header whose last part is empty',
          (C) =>
            C.json(
              {},
              {
                headers: [
                  ['X-Same', ''],
                  ['X-Same', ''],
                ],
              },
            ),
        ],
        ['Headers init, whose names keep their case', (C) => new C('', { headers: new Headers([['A', '']]) })],
        ['Response.json with a null init', (C) => C.json(false, null as unknown as ResponseInit)],
        ['a string init', (C) => new C(null, 'text' as unknown as ResponseInit)],
        ['an invalid header name', (C) => new C('x', { headers: { 'a b': 'c' } })],
        ['a status given as a string', (C) => new C('x', { status: '201' as unknown as number })],
        ['a status past 65535', (C) => new C('x', { status: 65736 })],
        ['Response.json(undefined)', (C) => C.json(undefined)],
        ['a body for 205', (C) => new C('', { status: 205 })],
        ['a value with surrounding blanks', (C) => new C('x', { headers: [['a', ' v\t']] })],
      ];
      for (const [label, make] of cases) {
        await compare(labelled({ label, make: (Class) => ({ response: () => make(Class), mutate: () => {} }) }));
      }
    });

    it('sends every generated Response as the platform Response is sent', async () => {
      let current: Case | undefined;
      let light = false;
      const client = createTestClient(
        () => {
          const made = current!.make(light ? (LightResponse as unknown as typeof Response) : NativeResponse);
          const response = made.response();
          made.mutate();
          return response;
        },
        { overrideGlobalObjects: mode === 'light', log: () => {} },
      );
      const sent = async (asLight: boolean) => {
        light = asLight;
        const res = await client.fetch('/');
        const headers = [...res.headers].map(([name, value]) => [name, normalize(value)]);
        return { status: res.status, statusText: res.statusText, headers, body: await bodyText(res) };
      };
      try {
        await fc.assert(
          fc.asyncProperty(constructorCase, async (testCase) => {
            current = testCase;
            expect(await sent(true), testCase.label).toEqual(await sent(false));
          }),
          { numRuns: 300 },
        );
      } finally {
        await client.close();
      }
    });

    it('gives the global Response the shape of the platform class: name, length, members and their attributes', () => {
      const ours = globalThis.Response;
      expect([ours.name, ours.length]).toEqual([NativeResponse.name, NativeResponse.length]);
      expect(staticShape(ours)).toEqual(staticShape(NativeResponse));
      expect(memberShape(ours.prototype)).toEqual(memberShape(NativeResponse.prototype));
      expect(staticShape(LightResponse)).toEqual(staticShape(NativeResponse));
      expect(memberShape(LightResponse.prototype)).toEqual(memberShape(NativeResponse.prototype));
      expect(Object.getPrototypeOf(LightResponse)).toBe(Object.getPrototypeOf(NativeResponse));
    });

    it("answers the global Response's members on a response from the platform's fetch", async () => {
      // The same steps through the global's members and the platform's, each on its own fetch
      // (Bun's clone() changes the original's headers: the steps must be the same on both).
      const through = async (Class: typeof Response) => {
        const response = await fetch('data:text/plain,from-fetch');
        const getters: Array<[string, unknown]> = [];
        for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(Class.prototype))) {
          if (!descriptor.get) continue;
          const value: unknown = descriptor.get.call(response);
          getters.push([name, typeof value === 'object' && value !== null ? value.constructor.name : value]);
        }
        const texts = [await Class.prototype.text.call(response.clone()), await Class.prototype.clone.call(response).text()];
        return { getters, texts, after: await observe({ response: () => response, mutate: () => {} }) };
      };
      const ours = await through(Response);
      expect(ours.texts).toEqual(['from-fetch', 'from-fetch']);
      expect(ours).toEqual(await through(NativeResponse));
    });

    it("lets the platform's own Response members and functions take a light response", async () => {
      const light = new LightResponse('light body', { status: 201, headers: { 'x-a': '1' } }) as unknown as Response;
      light.headers.set('x-b', '2');
      const native = NativeResponse.prototype;
      if (findResponseSlots(NativeResponse) === undefined) {
        // undici 7 (Node 24), Bun and Deno keep their internals where nothing outside can answer them.
        expect(() => Object.getOwnPropertyDescriptor(native, 'status')!.get!.call(light)).toThrow(TypeError);
        return;
      }
      expect(Object.getOwnPropertyDescriptor(native, 'status')!.get!.call(light)).toBe(201);
      // A change after the platform object behind the light one was built must reach it too.
      expect(light.body).not.toBeNull();
      light.headers.set('x-c', '3');
      const clone = native.clone.call(light);
      expect([clone.status, clone.headers.get('x-a'), clone.headers.get('x-b'), clone.headers.get('x-c')]).toEqual([201, '1', '2', '3']);
      expect(await native.text.call(light)).toBe('light body');
      expect(await clone.text()).toBe('light body');
    });

    it('makes instanceof hold for the global class and the platform one, never for a subclass', () => {
      const light = new LightResponse('x') as unknown as Response;
      const platform = new NativeResponse('x');
      class Sub extends Response {}
      const sub = new Sub('x');
      expect([light instanceof Response, platform instanceof Response, light instanceof NativeResponse]).toEqual([true, true, true]);
      expect([light instanceof Sub, platform instanceof Sub, sub instanceof Sub, sub instanceof Response]).toEqual([false, false, true, true]);
      // msw wraps the global Response in a Proxy (to record raw headers): still the same class.
      const Wrapped = new Proxy(Response, {});
      expect([light instanceof Wrapped, platform instanceof Wrapped, Response.error() instanceof Wrapped]).toEqual([true, true, true]);
      expect([Response.error() instanceof Response, Response.error().type, Response.redirect('http://x/', 301).status]).toEqual([true, 'error', 301]);
      // Node and Deno throw, Bun answers a redirect to "": the global does as the platform does.
      const withoutArguments = (Class: typeof Response) => attempt(() => (Class.redirect as () => Response)().status);
      expect(withoutArguments(Response)).toEqual(withoutArguments(NativeResponse));
    });

    it('gives a handler a Request that behaves as the platform Request made from the same method, URL, headers and body', async () => {
      const client = createTestClient(
        async (request) => {
          const seen = await observeRequest(request);
          const rebuilt = new NativeRequest(request.url, {
            method: request.method,
            headers: seen.sentHeaders as [string, string][],
            body: seen.bodyBytes.length > 0 || !['GET', 'HEAD'].includes(request.method) ? new Uint8Array(seen.bodyBytes) : null,
            duplex: 'half',
          } as RequestInit);
          const expected = await observeRequest(rebuilt);
          const light = request instanceof LightRequest;
          return Response.json({ same: JSON.stringify(seen) === JSON.stringify(expected), seen, expected, light });
        },
        { overrideGlobalObjects: mode === 'light' },
      );
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'post', 'Patch', 'CUSTOM'),
            fc.string({ unit: fc.constantFrom('a', 'b', '%20', '/', '?', '=', '&', '\u00e9', '~'), maxLength: 10 }),
            fc.array(
              fc.tuple(
                fc.string({ unit: fc.constantFrom('a', 'b', 'x', '-', '1'), minLength: 1, maxLength: 5 }),
                fc.string({ unit: fc.constantFrom('v', ' ', '1', ',', '\u00e9'), maxLength: 5 }),
              ),
              { maxLength: 4 },
            ),
            bytes,
            async (method, path, headers, payload) => {
              const hasBody = !['GET', 'HEAD'].includes(method.toUpperCase()) && payload.length > 0;
              const res = await client.fetch(`/p${path.startsWith('/') ? path : `/${path}`}`, {
                method,
                headers: headers.filter(([name]) => !/^-|-$/.test(name)),
                body: hasBody ? payload : undefined,
              });
              const answer = (await res.json()) as { same: boolean; seen: unknown; expected: unknown; light: boolean };
              // The comparison is of the light request wherever the platform takes one.
              expect(answer.light).toBe(mode === 'light' && lightRequests());
              expect(answer.seen, `${method} ${path}`).toEqual(answer.expected);
              expect(answer.same).toBe(true);
            },
          ),
          { numRuns: 60 },
        );
      } finally {
        await client.close();
      }
    });

    it("lets new Request(request, init) and fetch(request) take a handler's Request as they take the platform's", async () => {
      // A loopback server that answers what fetch() sent it.
      const echo = createServer((incoming, outgoing) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const headers = Object.entries(incoming.headers).filter(
            ([name]) => !['host', 'connection', 'user-agent', 'accept-encoding', 'accept-language', 'accept', 'sec-fetch-mode'].includes(name),
          );
          outgoing.end(JSON.stringify({ method: incoming.method, url: incoming.url, headers: headers.sort(), body: Buffer.concat(chunks).toString('latin1') }));
        });
      });
      await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
      const origin = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
      let current: { method: string; payload: Uint8Array | undefined } | undefined;
      type Observed = Awaited<ReturnType<typeof observe>>;
      const observe = async (request: Request) => {
        const withInit = new Request(request, { method: 'PUT', headers: { 'x-init': '1' }, body: 'init body' });
        const init = [withInit.method, withInit.url, [...withInit.headers], await withInit.text(), withInit.signal.aborted, request.bodyUsed];
        const sent = await attemptAsync(async () => (await fetch(request)).text());
        return { init, sent, bodyUsed: request.bodyUsed, again: attempt(() => new Request(request).method) };
      };
      const client = createTestClient(
        async (request) => {
          const rebuilt = new NativeRequest(request.url, {
            method: current!.method,
            headers: [...request.headers],
            body: current!.payload === undefined ? null : new Blob([current!.payload as Uint8Array<ArrayBuffer>]).stream(),
            duplex: 'half',
          } as RequestInit);
          const light = request instanceof LightRequest;
          return Response.json({ seen: await observe(request), expected: await observe(rebuilt), light });
        },
        { overrideGlobalObjects: mode === 'light' },
      );
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'patch'),
            fc.array(fc.tuple(fc.constantFrom('x-a', 'x-b', 'content-type'), fc.string({ unit: fc.constantFrom('v', ' ', '1', ','), maxLength: 4 })), {
              maxLength: 3,
            }),
            bytes,
            async (method, headers, payload) => {
              // Sent with a length, so an empty one is no body, as the engine hands it over.
              const hasBody = !['GET', 'HEAD'].includes(method.toUpperCase());
              current = { method, payload: hasBody && payload.length > 0 ? payload : undefined };
              const res = await client.fetch(`${origin}/echo?m=${method}`, { method, headers, body: hasBody ? payload : undefined });
              const answer = (await res.json()) as { seen: Observed; expected: Observed; light: boolean };
              expect(answer.light).toBe(mode === 'light' && lightRequests());
              if (answer.light && 'Bun' in globalThis && answer.seen.bodyUsed && typeof answer.expected.again === 'string') {
                // Copying a request whose body was read: Bun's own Request copies it, against the
                // fetch standard; Bun's copy of a light request reads the used body stream, and
                // throws as the standard (and Node, and Deno) do. docs/runtimes.md lists it.
                expect(answer.seen.again).toEqual({ threw: 'TypeError' });
                answer.seen.again = answer.expected.again;
              }
              expect(answer.seen, method).toEqual(answer.expected);
            },
          ),
          { numRuns: 25 },
        );
      } finally {
        await client.close();
        echo.close();
      }
    });

    it("keeps header changes made after the body was opened in the request's copies and body reads", async () => {
      const client = createTestClient(
        async (request) => {
          const rebuilt = new NativeRequest(request.url, {
            method: request.method,
            headers: [...request.headers],
            body: new Blob([await request.clone().arrayBuffer()]).stream(),
            duplex: 'half',
          } as RequestInit);
          const observe = async (r: Request) => {
            // For a light request, its headers were handed out (above) before the clone built the
            // platform request behind it: changes made now must still reach that request.
            const headers = r.headers;
            const opened = r.body !== null;
            headers.set('x-late', '1');
            headers.set('content-type', 'application/x-www-form-urlencoded');
            const clone = r.clone();
            const copy = new Request(clone);
            return { opened, clone: [...clone.headers], copy: [...copy.headers], form: [...(await r.formData())], copyForm: [...(await copy.formData())] };
          };
          const light = request instanceof LightRequest;
          return Response.json({ seen: await observe(request), expected: await observe(rebuilt), light });
        },
        { overrideGlobalObjects: mode === 'light' },
      );
      try {
        const res = await client.fetch('/late', { method: 'POST', headers: { 'content-type': 'text/plain', 'x-a': 'b' }, body: 'a=1&b=%C3%A9' });
        const answer = (await res.json()) as { seen: unknown; expected: { form: unknown }; light: boolean };
        expect(answer.light).toBe(mode === 'light' && lightRequests());
        expect(answer.expected.form).toEqual([
          ['a', '1'],
          ['b', '\u00e9'],
        ]);
        expect(answer.seen).toEqual(answer.expected);
      } finally {
        await client.close();
      }
    });

    it("reads a handler's form and JSON bodies as the platform reads them", async () => {
      let sentBody = '';
      const client = createTestClient(
        async (request) => {
          const rebuilt = new NativeRequest(request.url, {
            method: request.method,
            headers: [...request.headers],
            body: sentBody === '' ? null : new Blob([sentBody]).stream(),
            duplex: 'half',
          } as RequestInit);
          const read = async (r: Request) =>
            r.headers.get('content-type')?.startsWith('application/json') ? attemptAsync(() => r.json()) : attemptAsync(async () => [...(await r.formData())]);
          const light = request instanceof LightRequest;
          return Response.json({ seen: [await read(request), request.bodyUsed], expected: [await read(rebuilt), rebuilt.bodyUsed], light });
        },
        { overrideGlobalObjects: mode === 'light' },
      );
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain'),
            fc.dictionary(
              fc.string({ unit: fc.constantFrom('a', 'b', ' ', '&', '='), minLength: 1, maxLength: 3 }),
              fc.string({ unit: fc.constantFrom('1', '%', '+', '\u00e9'), maxLength: 3 }),
              { maxKeys: 3 },
            ),
            fc.boolean(),
            async (type, fields, broken) => {
              const text = type === 'application/json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
              const body = broken ? `${text}}` : text;
              sentBody = body;
              const res = await client.fetch('/form', { method: 'POST', headers: { 'content-type': type }, body });
              const answer = (await res.json()) as { seen: unknown; expected: unknown; light: boolean };
              expect(answer.light).toBe(mode === 'light' && lightRequests());
              expect(answer.seen, `${type} ${body}`).toEqual(answer.expected);
            },
          ),
          { numRuns: 40 },
        );
      } finally {
        await client.close();
      }
    });
  });
}

const REQUEST_PROPS = [
  'method',
  'url',
  'destination',
  'referrer',
  'referrerPolicy',
  'mode',
  'credentials',
  'cache',
  'redirect',
  'integrity',
  'keepalive',
  'isReloadNavigation',
  'isHistoryNavigation',
  'duplex',
  'bodyUsed',
] as const;

/** What a handler can see of a request, in a fixed order of operations. */
async function observeRequest(request: Request) {
  const headers = request.headers;
  const props = REQUEST_PROPS.map((name) => [name, (request as unknown as Record<string, unknown>)[name]]);
  const shape = {
    keys: Object.keys(request),
    isRequest: request instanceof Request,
    isNative: request instanceof NativeRequest,
    isSubclass: request instanceof class extends Request {},
    constructorIsRequest: request.constructor === Request,
    tag: Object.prototype.toString.call(request),
    structuredClone: attempt(() => JSON.stringify(structuredClone(request))),
    protoKeys: Object.keys(Object.getPrototypeOf(request)),
    aborted: request.signal.aborted,
    signalIsSignal: request.signal instanceof AbortSignal,
    nullBody: request.body === null,
  };
  headers.set('x-oracle', 'set before the copies');
  const clone = request.clone();
  const copy = new Request(clone);
  const copied = {
    clone: [clone.method, clone.url, [...clone.headers], clone.signal.aborted, clone.bodyUsed],
    copy: [copy.method, copy.url, [...copy.headers], copy.signal.aborted, await attemptAsync(() => copy.text())],
    cloneUsed: clone.bodyUsed,
    cloneAgain: attempt(() => clone.clone().method),
  };
  const bodyBytes = Array.from(new Uint8Array(await request.arrayBuffer()));
  return {
    props,
    sentHeaders: [...headers].filter(([name]) => name !== 'x-oracle'),
    shape,
    copied,
    bodyBytes,
    after: {
      bodyUsed: request.bodyUsed,
      sameHeaders: request.headers === headers,
      headers: [...request.headers],
      again: await attemptAsync(() => request.text()),
      cloneAfter: attempt(() => request.clone().method),
    },
  };
}
