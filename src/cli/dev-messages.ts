/** What the app's process tells the dev front about the files it loaded (see dev-imports.ts). */
export type DevChildMessage =
  /** ES module imports as [importer URL or null, imported file URL]. */
  | { type: 'dev-modules'; edges: Array<[string | null, string]> }
  /** CommonJS files loaded so far (paths), the answer to 'dev-files?'. */
  | { type: 'dev-required'; files: string[] };

export type DevFrontMessage = { type: 'dev-files?' };
