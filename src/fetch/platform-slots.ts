/**
 * Where the platform keeps a Request's and a Response's internals, when they can be reached.
 *
 * undici 6 (Node 20 and 22) keeps them in symbol-keyed own properties (`Symbol(state)`,
 * `Symbol(headers)`, `Symbol(signal)`, `Symbol(dispatcher)`), and its functions (`fetch`, the
 * `Request` constructor, every prototype member) read them from whatever object they are handed.
 * A light object that answers those symbols is therefore accepted by every platform function.
 * undici 7 (Node 24) keeps them in `#private` fields, which nothing outside the class can answer:
 * there the slots are undefined.
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
