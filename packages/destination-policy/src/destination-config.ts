import { credentialValueKind, isCredentialName } from './credential-names.ts';
import { type DestinationPolicy, destinationUrlProblem } from './destination-url.ts';

/** Field path → messages, as the API's `errors` envelope member. */
export type FieldProblems = Record<string, string[]>;

/** The keys adapters connect to, with their rules (see the worker's README). */
const CONNECTED_URLS: Record<string, { originOnly: boolean }> = {
  url: { originOnly: false }, // webhook endpoint
  site_url: { originOnly: true }, // WordPress site; the REST path is the worker's
};

/**
 * Everything wrong with a `destination_config`, by field path under `field`:
 *
 * - at **every** level, keys named like credentials (`password`, `api_key`, `X-Auth-Token`, …);
 * - at every level, string values that are credentials (`Bearer …`, JWTs, private keys, well-known
 *   token formats) or URLs carrying one (`user:pass@`, `?token=`, `?sig=`, …);
 * - the top-level `url` and `site_url` (the addresses the worker connects to): absolute http(s) and
 *   a public host unless the policy allows private ones; `site_url` a site's address alone.
 *
 * destination_config is stored in events forever, projected and sent on Kafka: secrets never belong
 * in it (credentials and signing secrets are held server-side per account and site).
 *
 * @example
 * destinationConfigProblems({ url: 'http://10.0.0.1/x', auth: { token: 't' } }, 'destination_config', { allowPrivate: false })
 * // { 'destination_config.url': ['must not point to a private address (10.0.0.1)'],
 * //   'destination_config.auth': ['looks like a credential …'], 'destination_config.auth.token': [...] }
 */
export function destinationConfigProblems(
  config: Record<string, unknown>,
  field: string,
  policy: DestinationPolicy,
): FieldProblems {
  const problems: FieldProblems = {};
  const add = (path: string, message: string) => {
    const list = problems[path] ?? [];
    list.push(message);
    problems[path] = list;
  };
  // An explicit stack, not recursion: every level is checked, however deep the schema allows.
  const stack: Array<[unknown, string]> = [[config, field]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = stringProblem(value);
      if (problem) add(path, problem);
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        stack.push([item, `${path}.${i}`]);
      });
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        const here = `${path}.${key}`;
        if (isCredentialName(key)) add(here, 'looks like a credential; destination_config must not hold secrets');
        stack.push([inner, here]);
      }
    }
  }
  for (const [key, rules] of Object.entries(CONNECTED_URLS)) {
    if (config[key] === undefined) continue;
    const problem = destinationUrlProblem(config[key], { ...policy, ...rules });
    const path = `${field}.${key}`;
    if (problem && !problems[path]?.includes(problem)) add(path, problem);
  }
  return problems;
}

/** A credential in a string value of destination_config. */
function stringProblem(value: string): string | null {
  const kind = credentialValueKind(value);
  return kind ? `looks like ${kind}; destination_config must not hold secrets` : credentialProblem(value);
}

/**
 * Why a text someone sends to be stored (and so kept in events for ever, projected, sent on Kafka)
 * exposes a credential: a known token format or auth header value, or a URL with a user name or
 * password or a query parameter named like a credential. Null when it exposes none.
 * @example
 * credentialProblem('https://admin:pw@cms.example/p/1') // 'must not contain a user name or password'
 * credentialProblem('https://cms.example/p/1') // null
 */
export function credentialProblem(value: string): string | null {
  const kind = credentialValueKind(value);
  if (kind) return `looks like ${kind}`;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password';
  const secret = [...url.searchParams.keys()].find(isCredentialName);
  return secret === undefined ? null : `must not carry a credential (query parameter ${secret})`;
}
