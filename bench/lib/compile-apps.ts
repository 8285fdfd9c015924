/**
 * The Node contenders run as plain JavaScript, as users deploy them: each bench/apps/*.ts file
 * is transpiled (types stripped, no bundling) into bench/.apps/. A TypeScript loader in the
 * measured process would add its own ~38 MiB (a hooks thread) to every Node target's RSS.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { BENCH_DIR } from '../targets/target.js';

const APPS_JS_DIR = path.join(BENCH_DIR, '.apps');

export function compileApps(): void {
  const source = path.join(BENCH_DIR, 'apps');
  fs.mkdirSync(APPS_JS_DIR, { recursive: true });
  for (const file of fs.readdirSync(source).filter((name) => name.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(fs.readFileSync(path.join(source, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    fs.writeFileSync(path.join(APPS_JS_DIR, file.replace(/\.ts$/, '.js')), outputText);
  }
}
