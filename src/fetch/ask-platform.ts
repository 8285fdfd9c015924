/**
 * Asks the platform a question once, at load: where the runtimes' own classes differ (undici,
 * Bun, Deno), the light classes do as the one they run on. A platform that throws answers
 * `otherwise`.
 */
export function askPlatform<T>(ask: () => T, otherwise: T): T {
  try {
    return ask();
  } catch {
    return otherwise;
  }
}
