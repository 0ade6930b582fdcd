import { readFileSync } from 'node:fs';
import { type DestinationPolicy, destinationUrlProblem } from '@publisher/destination-policy';
import { ConfigError, envVar, readEnv } from '@publisher/platform/env';
import { credentialKey, type WordPressCredential, type WordPressCredentials } from './destinations/index.ts';

/** The two variables, declared as the worker's table lists them (the inline JSON is a secret). */
export const WORDPRESS_VARIABLES = {
  WORDPRESS_CREDENTIALS: envVar.string(null, { secret: true }),
  WORDPRESS_CREDENTIALS_FILE: envVar.string(null),
};

/**
 * Reads the operator's WordPress credentials: `WORDPRESS_CREDENTIALS_FILE` (a path; preferred, so
 * the passwords stay out of the process environment) or `WORDPRESS_CREDENTIALS`, each a JSON array
 * of `{ account_id, site_id, site_url, username, application_password }`. Every entry is checked:
 * positive ids, one entry per (account, site), `site_url` a site's address alone that the
 * destination policy allows. A refusal is a ConfigError naming the variable; it never echoes a password.
 *
 * @example
 * const credentials = loadWordPressCredentials(process.env, policy);
 * credentials.get(credentialKey(1, 7))
 */
export function loadWordPressCredentials(env: NodeJS.ProcessEnv, policy: DestinationPolicy): WordPressCredentials {
  if (env.WORDPRESS_USERNAME || env.WORDPRESS_APP_PASSWORD) {
    throw new ConfigError(
      'WORDPRESS_USERNAME / WORDPRESS_APP_PASSWORD are not read: a credential belongs to one account and site (WORDPRESS_CREDENTIALS_FILE)',
      env.WORDPRESS_USERNAME ? 'WORDPRESS_USERNAME' : 'WORDPRESS_APP_PASSWORD',
    );
  }
  const { WORDPRESS_CREDENTIALS: inline, WORDPRESS_CREDENTIALS_FILE: file } = readEnv(WORDPRESS_VARIABLES, env);
  let text = inline;
  let source = 'WORDPRESS_CREDENTIALS';
  const refusal = (message: string) => new ConfigError(message, source);
  if (file) {
    source = 'WORDPRESS_CREDENTIALS_FILE';
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw refusal(`${source} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  const credentials = new Map<string, WordPressCredential>();
  if (!text) return credentials;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw refusal(`${source} must be JSON`);
  }
  if (!Array.isArray(parsed)) {
    throw refusal(
      `${source} must be a JSON array of { account_id, site_id, site_url, username, application_password }`,
    );
  }
  parsed.forEach((entry: unknown, i) => {
    const e = (entry ?? {}) as Partial<Record<keyof WordPressCredential, unknown>>;
    const where = `${source}[${i}]`;
    for (const id of ['account_id', 'site_id'] as const) {
      if (!Number.isSafeInteger(e[id]) || (e[id] as number) < 1)
        throw refusal(`${where}.${id} must be a positive integer`);
    }
    for (const field of ['username', 'application_password'] as const) {
      if (typeof e[field] !== 'string' || e[field] === '')
        throw refusal(`${where}.${field} must be a non-empty string`);
    }
    const problem = destinationUrlProblem(e.site_url, { ...policy, originOnly: true });
    if (problem) throw refusal(`${where}.site_url ${problem}`);
    const key = credentialKey(e.account_id as number, e.site_id as number);
    if (credentials.has(key)) throw refusal(`${where}: a second entry for account ${e.account_id} site ${e.site_id}`);
    credentials.set(key, {
      account_id: e.account_id as number,
      site_id: e.site_id as number,
      site_url: new URL(e.site_url as string).origin,
      username: e.username as string,
      application_password: e.application_password as string,
    });
  });
  return credentials;
}
