import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleOnce } from '@publisher/dev-infra';

/**
 * Compiles the relay's real entry point (src/main.ts) with the bundler `pnpm start` uses
 * (`bundleOnce`: the workspace packages inside, every other package imported from node_modules).
 * Crash tests start a dozen relay processes: a bundle boots in ~0.3 s where tsx needs ~2.5 s of CPU
 * per process on a busy machine, which would dominate the test's run time. The bundle lives in a
 * scratch directory under the service's node_modules/.cache, from where the relay's own
 * `createRequire` finds kafkajs's internals (src/record-encoder.ts). Returns the bundle's path; the
 * caller removes `dir`.
 */
export async function bundleRelayMain(): Promise<{ file: string; dir: string }> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const cache = path.resolve(here, '../../node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'relay-bundle-'));
  const file = path.join(dir, 'relay-main.mjs');
  await bundleOnce(path.resolve(here, '../../src/main.ts'), file);
  return { file, dir };
}

export function removeBundle(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
