import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Compiles the relay's real entry point (src/main.ts) into one ES module, with the same compiler
 * tsx uses. Crash tests start a dozen relay processes: a bundle boots in ~0.3 s where tsx needs
 * ~2.5 s of CPU per process on a busy machine, which would dominate the test's run time.
 * kafkajs stays outside the bundle, loaded from node_modules as in production, so the relay can
 * install its record encoder (src/record-encoder.ts); the bundle therefore lives in the service's
 * node_modules/.cache, from where `kafkajs` resolves. Returns the bundle's path; the caller removes `dir`.
 */
export async function bundleRelayMain(): Promise<{ file: string; dir: string }> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const cache = path.resolve(here, '../../node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'relay-bundle-'));
  const file = path.join(dir, 'relay-main.mjs');
  await build({
    entryPoints: [path.resolve(here, '../../src/main.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // CommonJS dependencies (pg, kafkajs) call require(); give the ES module one.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    external: ['pg-native', 'kafkajs'],
  });
  return { file, dir };
}

export function removeBundle(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
