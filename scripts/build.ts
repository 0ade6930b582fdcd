/**
 * `pnpm build`: bundles every service into `services/<name>/dist/*.mjs` (see
 * packages/dev-infra/src/bundle.ts), runnable with plain `node`. `pnpm start` builds first.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleServices, SERVICE_ENTRIES } from '@publisher/dev-infra';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ms = await bundleServices(root);
for (const s of SERVICE_ENTRIES) process.stdout.write(`[build] ${s.name}: ${s.bundle}\n`);
process.stdout.write(`[build] ${SERVICE_ENTRIES.length} services in ${ms} ms\n`);
