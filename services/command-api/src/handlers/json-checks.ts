import { credentialProblem, type DestinationPolicy, destinationConfigProblems } from '@publisher/destination-policy';
import { httpError } from '@publisher/platform';

/**
 * Refuses (400 VALIDATION) destination configurations the worker must not be pointed at, naming
 * each field: credentials at any level (key names, credential-shaped values, URLs with user info
 * or secret query parameters) and `url` / `site_url` that are not public http(s) addresses (see
 * `@publisher/destination-policy`). destination_config is stored in events forever and copied to
 * read models and Kafka, so secrets live server-side instead.
 * @example
 * assertDestinationConfigs([[{ url: 'https://x.example', api_key: 'k' }, 'destination_config']], policy) // throws: destination_config.api_key
 */
export function assertDestinationConfigs(
  configs: Array<[Record<string, unknown> | undefined, string]>,
  policy: DestinationPolicy,
): void {
  let errors: Record<string, string[]> = {};
  for (const [config, field] of configs) {
    if (config !== undefined) errors = { ...errors, ...destinationConfigProblems(config, field, policy) };
  }
  if (Object.keys(errors).length > 0) {
    throw httpError('VALIDATION', 'destination_config is not acceptable', { errors });
  }
}

/**
 * Refuses (400 VALIDATION) what a destination or a client reports back (an external URL or id, a
 * deployment URL) when it exposes a credential: it is stored in events for ever, projected and sent
 * on Kafka, as destination_config is.
 * @example
 * assertNoCredentials([[body.external_url, 'external_url']]) // throws for https://admin:pw@cms.example/p/1
 */
export function assertNoCredentials(values: Array<[string | null | undefined, string]>): void {
  const errors: Record<string, string[]> = {};
  for (const [value, field] of values) {
    const problem = typeof value === 'string' ? credentialProblem(value) : null;
    if (problem !== null) errors[field] = [`${problem}: it is kept in the record's history and sent on Kafka`];
  }
  if (Object.keys(errors).length > 0) throw httpError('VALIDATION', 'a credential is not stored', { errors });
}

/** Deepest nesting accepted in free-form JSON (metadata, destination_config). */
const MAX_JSON_DEPTH = 32;

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
