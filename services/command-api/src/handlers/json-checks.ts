import { httpError } from '@publisher/platform';

// Keys that name credentials. destination_config is stored in events forever and copied to read
// models and Kafka, so secrets must live with the platform's integrations instead.
const SECRET_KEY = /(secret|passw(or)?d|token|api[_-]?key|private[_-]?key|credential|authorization)/i;

function findSecretKeys(value: unknown, path: string, out: string[], depth = 0): void {
  if (depth > 10 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) findSecretKeys(item, `${path}.${i}`, out, depth + 1);
    return;
  }
  for (const [key, inner] of Object.entries(value)) {
    const here = `${path}.${key}`;
    if (SECRET_KEY.test(key)) out.push(here);
    findSecretKeys(inner, here, out, depth + 1);
  }
}

/**
 * Refuses (400 VALIDATION) destination configurations with credential-like keys, naming each.
 * @example
 * assertNoSecrets([[{ url: 'https://x', api_key: 'k' }, 'destination_config']]) // throws: destination_config.api_key
 */
export function assertNoSecrets(configs: Array<[Record<string, unknown> | undefined, string]>): void {
  const found: string[] = [];
  for (const [config, field] of configs) if (config !== undefined) findSecretKeys(config, field, found);
  if (found.length > 0) {
    throw httpError('VALIDATION', 'destination_config must not hold secrets', {
      errors: Object.fromEntries(
        found.map((f) => [f, ['looks like a credential; destination_config must not hold secrets']]),
      ),
    });
  }
}

/** Deepest nesting accepted in free-form JSON (metadata, destination_config). */
export const MAX_JSON_DEPTH = 32;

function depthOf(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || typeof value !== 'object' || value === null) return depth;
  let deepest = depth;
  for (const inner of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(inner, limit, depth + 1));
    if (deepest > limit) break;
  }
  return deepest;
}

/**
 * Refuses (400 VALIDATION) free-form JSON nested deeper than MAX_JSON_DEPTH, which no real
 * metadata needs and which would make every later consumer recurse that deep.
 * @example
 * assertJsonDepth([[body.metadata, 'metadata']]);
 */
export function assertJsonDepth(values: Array<[unknown, string]>): void {
  const errors: Record<string, string[]> = {};
  for (const [value, field] of values) {
    if (value !== undefined && depthOf(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      errors[field] = [`must not be nested deeper than ${MAX_JSON_DEPTH} levels`];
    }
  }
  if (Object.keys(errors).length > 0) throw httpError('VALIDATION', 'JSON nested too deeply', { errors });
}
