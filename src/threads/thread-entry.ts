/**
 * The module a worker thread is started from, given the starting module's `import.meta.url` and the name of
 * the thread's module beside it. Compiled (`npm run build`), the thread runs its own JavaScript module; from
 * the TypeScript sources it needs tsx's loader registered first, which `<name>-entry.mjs` does.
 */
export function threadEntry(importMetaUrl: string, name: string): URL {
  return importMetaUrl.endsWith('.ts') ? new URL(`./${name}-entry.mjs`, importMetaUrl) : new URL(`./${name}.js`, importMetaUrl);
}
