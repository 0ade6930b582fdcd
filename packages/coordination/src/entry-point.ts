import { pathToFileURL } from 'node:url';

/**
 * Whether the module at `url` (its `import.meta.url`) is the file the process was started with
 * (`node --import tsx services/…/main.ts`), rather than a module a test or another file imported.
 * @example
 * if (isEntryPoint(import.meta.url)) runRebuild().then(…);
 */
export function isEntryPoint(url: string): boolean {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}

/**
 * Runs a service's `main` when its module is the entry point (`isEntryPoint`); a failure to start
 * is printed with its stack and ends the process with exit code 1.
 * @example
 * runIfEntryPoint(import.meta.url, main);
 */
export function runIfEntryPoint(url: string, main: () => Promise<unknown>): void {
  if (!isEntryPoint(url)) return;
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
