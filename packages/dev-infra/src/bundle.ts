import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

/**
 * Compiles a service's entry point (TypeScript, with the workspace packages it imports) into one ES
 * module, with the compiler tsx uses. Every other package stays outside the bundle and is imported
 * from node_modules by the absolute path it resolves to from the importing file, as under tsx: no
 * package is duplicated or loaded from anywhere else (pnpm keeps a package's dependencies next to
 * it, not next to the service), and packages that read their own files (Swagger UI's assets, the
 * relay's kafkajs internals) keep working.
 *
 * Why: a service run with `node --import tsx` carries tsx's module-loader thread and the TypeScript
 * it compiles at start: resident memory in every process and CPU at every start that a bundle run
 * by plain node does not spend. A bundle is only good on the
 * machine and checkout that built it (absolute paths): build it where it runs (`pnpm start` does).
 *
 * @example
 * await bundleService('services/read-api/src/main.ts', 'services/read-api/dist/main.mjs');
 */
async function bundleService(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'error',
    // Workspace packages are bundled from their TypeScript sources (the condition their exports maps
    // name for the workspace); `module` is esbuild's default condition, dropped once any is set.
    conditions: [SOURCE_CONDITION, 'module'],
    plugins: [externalPackagesByPath],
  });
}

const bundles = new Map<string, Promise<string>>();

/**
 * `bundleService` at most once per output file in this process (a benchmark starting several
 * servers of one checkout); resolves the bundle's path.
 * @example
 * spawn(process.execPath, [await bundleOnce('services/read-api/src/main.ts', 'services/read-api/dist/main.mjs')]);
 */
export function bundleOnce(entry: string, outfile: string): Promise<string> {
  let built = bundles.get(outfile);
  if (built === undefined) {
    built = bundleService(entry, outfile).then(() => outfile);
    bundles.set(outfile, built);
  }
  return built;
}

const WORKSPACE_SCOPE = '@publisher/';
/** The exports condition under which a workspace package resolves to its sources (see pnpm-workspace.yaml). */
const SOURCE_CONDITION = '@publisher/source';
const RESOLVING = Symbol('resolving');

/** Bare imports other than the workspace's become external imports of their resolved file. */
const externalPackagesByPath: Plugin = {
  name: 'external-packages-by-path',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith(WORKSPACE_SCOPE) || args.path.startsWith('node:') || args.pluginData === RESOLVING)
        return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: RESOLVING,
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      // Node built-ins imported without `node:` (`fs`, `events`) resolve to themselves.
      if (!path.isAbsolute(resolved.path)) return { path: args.path, external: true };
      // A file URL, not the bare path: a directory named with `%` or `#` stays what it is.
      return { path: pathToFileURL(resolved.path).href, external: true };
    });
  },
};

/** A service's runnable entry and where its bundle goes (`<service>/dist/<name>.mjs`). */
export interface ServiceEntry {
  name: string;
  source: string;
  bundle: string;
}

/** Every long-running service of the workspace, relative to the repository root. */
export const SERVICE_ENTRIES: readonly ServiceEntry[] = [
  { name: 'command-api', source: 'services/command-api/src/server.ts', bundle: 'services/command-api/dist/server.mjs' },
  { name: 'projector', source: 'services/projector/src/main.ts', bundle: 'services/projector/dist/main.mjs' },
  { name: 'read-api', source: 'services/read-api/src/main.ts', bundle: 'services/read-api/dist/main.mjs' },
  { name: 'kafka-relay', source: 'services/kafka-relay/src/main.ts', bundle: 'services/kafka-relay/dist/main.mjs' },
  {
    name: 'publishing-worker',
    source: 'services/publishing-worker/src/main.ts',
    bundle: 'services/publishing-worker/dist/main.mjs',
  },
  {
    name: 'support-console',
    source: 'services/support-console/src/server.ts',
    bundle: 'services/support-console/dist/server.mjs',
  },
];

/** Bundles every service under `root`; returns how long it took. */
export async function bundleServices(root: string): Promise<number> {
  const started = Date.now();
  await Promise.all(SERVICE_ENTRIES.map((s) => bundleService(path.join(root, s.source), path.join(root, s.bundle))));
  return Date.now() - started;
}
