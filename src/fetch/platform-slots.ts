/**
 * Where the platform keeps a Request's and a Response's internals, when they can be reached.
 *
 * undici 6 (Node 20 and 22) keeps them in symbol-keyed own properties (`Symbol(state)`,
 * `Symbol(headers)`, `Symbol(signal)`, `Symbol(dispatcher)`), and its functions (`fetch`, the
 * `Request` constructor, every prototype member) read them from whatever object they are handed.
 * A light object that answers those symbols is therefore accepted by every platform function.
 * undici 7 (Node 24) keeps them in `#private` fields, which nothing outside the class can answer:
 * there the slots are undefined.
 *
 * Deno's Request (ext/fetch/23_request.js) is JavaScript that keeps its internals in
 * symbol-keyed own properties under other names: the inner request (method, URL list, header
 * list, body), a cache for the Headers and for the signal, and the WebIDL brand every member
 * checks besides the prototype. Its members reach the rest (`headers`, `signal`, `body`, the
 * MIME type) through getters on the prototype that read those, so answering the four is enough.
 */

type Mark = (object: object) => void;
const workerThreads = (globalThis.process as { getBuiltinModule?: (id: string) => unknown } | undefined)?.getBuiltinModule?.('node:worker_threads') as
  | { markAsUncloneable?: Mark }
  | undefined;

/**
 * Makes `structuredClone()` throw on `object`, as it does on the platform's Request and Response
 * where the runtime marks them (Node 22 and later); a no-op elsewhere.
 */
export const markUncloneable: Mark = workerThreads?.markAsUncloneable ?? (() => {});

export interface RequestSlots {
  readonly state: symbol;
  readonly headers: symbol;
  readonly signal: symbol;
  readonly dispatcher: symbol;
}

export interface ResponseSlots {
  readonly state: symbol;
  readonly headers: symbol;
}

/** Deno's Request slots, and the one of its Headers that holds the header list. */
export interface DenoRequestSlots {
  readonly request: symbol;
  readonly headersCache: symbol;
  readonly signalCache: symbol;
  readonly brand: symbol;
  /** On a Headers: the list of [name, value] pairs its methods change in place. */
  readonly headerList: symbol;
}

/** The own symbols of `object` named `names`, or undefined unless every one is there. */
function symbolsNamed<K extends string>(object: object, names: readonly K[]): Record<K, symbol> | undefined {
  const found = {} as Record<K, symbol>;
  const symbols = Object.getOwnPropertySymbols(object);
  for (const name of names) {
    const symbol = symbols.find((candidate) => candidate.description === name);
    if (symbol === undefined) return undefined;
    found[name] = symbol;
  }
  return found;
}

function probe<T>(make: () => T): T | undefined {
  try {
    return make();
  } catch {
    return undefined;
  }
}

/** The slots of the platform `Request` given, or undefined where they cannot be reached. */
export function findRequestSlots(NativeRequest: typeof Request): RequestSlots | undefined {
  return probe(() => symbolsNamed(new NativeRequest('http://localhost/'), ['state', 'headers', 'signal', 'dispatcher'] as const));
}

/**
 * Deno's Request slots, or undefined elsewhere. Every name must be found, and the brand must be
 * the value it is kept under (how WebIDL brands are checked), so a Deno that changed them
 * leaves handlers on its own Request.
 */
export function findDenoRequestSlots(NativeRequest: typeof Request, NativeHeaders: typeof Headers): DenoRequestSlots | undefined {
  return probe(() => {
    const found = symbolsNamed(new NativeRequest('http://localhost/'), ['request', 'headers cache', 'signalCache', '[[webidl.brand]]'] as const);
    const list = symbolsNamed(new NativeHeaders(), ['header list'] as const);
    if (found === undefined || list === undefined) return undefined;
    const brand = found['[[webidl.brand]]'];
    if ((new NativeRequest('http://localhost/') as unknown as Record<symbol, unknown>)[brand] !== brand) return undefined;
    return { request: found.request, headersCache: found['headers cache'], signalCache: found.signalCache, brand, headerList: list['header list'] };
  });
}

/** The slots of the platform `Response` given, or undefined where they cannot be reached. */
export function findResponseSlots(NativeResponse: typeof Response): ResponseSlots | undefined {
  return probe(() => symbolsNamed(new NativeResponse(null), ['state', 'headers'] as const));
}

/**
 * `headers` as pairs that rebuild the same list: a combined value whose last part was empty
 * ends in ", ", which appending it whole would trim.
 */
export function exactPairs(headers: Headers): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of headers) {
    if (value.endsWith(', ')) pairs.push([name, value.slice(0, -2)], [name, '']);
    else pairs.push([name, value]);
  }
  return pairs;
}

/**
 * Makes the header list inside a platform object's state follow `headers`: every read gets a
 * fresh copy of what `headers` holds now. For a light object whose Headers was handed out
 * before the platform object behind it was built, so that the platform's functions (`clone`,
 * `fetch`, `new Request`) see every change made through it. Only those functions read the
 * list, and rarely, so it is rebuilt rather than kept in sync.
 */
export function followHeaders(innerState: object, headers: Headers, slots: ResponseSlots, NativeResponse: typeof Response): void {
  Object.defineProperty(innerState, 'headersList', {
    get: () => (new NativeResponse(null, { headers: exactPairs(headers) }) as unknown as Record<symbol, { headersList: unknown }>)[slots.state]!.headersList,
    set(value: unknown) {
      Object.defineProperty(innerState, 'headersList', { value, writable: true, enumerable: true, configurable: true });
    },
    enumerable: true,
    configurable: true,
  });
}
