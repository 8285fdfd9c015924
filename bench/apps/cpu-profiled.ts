/**
 * Runs a bench app (CPU_PROFILED_APP, a sibling .js file) under the V8 CPU profiler through
 * node:inspector, for runtimes without Node's --cpu-prof (Deno). The profile covers start-up to
 * SIGUSR2, on which it is written to CPU_PROFILE_FILE. Argument 2 is passed on to the app.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector';

const app = process.env.CPU_PROFILED_APP;
const file = process.env.CPU_PROFILE_FILE;
if (!app || !file) throw new Error('CPU_PROFILED_APP and CPU_PROFILE_FILE must be set');

const session = new Session();
session.connect();
const post = <T>(method: string, params: object = {}) =>
  new Promise<T>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));

await post('Profiler.enable');
await post('Profiler.start');
process.once('SIGUSR2', () => {
  void post<{ profile: unknown }>('Profiler.stop').then(({ profile }) => fs.writeFileSync(file, JSON.stringify(profile)));
});
await import(new URL(app, import.meta.url).href);
