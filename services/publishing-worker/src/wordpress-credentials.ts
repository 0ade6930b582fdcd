import { readFileSync } from 'node:fs';
import { errorCode } from '@publisher/coordination';
import { type DestinationPolicy, destinationUrlProblem } from '@publisher/destination-policy';
import { ConfigError, envVar, readEnv } from '@publisher/platform/env';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { credentialKey, type WordPressCredential, type WordPressCredentials } from './destinations/index.ts';

/** The two variables, declared as the worker's table lists them (the inline JSON is a secret). */
export const WORDPRESS_VARIABLES = {
  WORDPRESS_CREDENTIALS: envVar.string(null, { secret: true }),
  WORDPRESS_CREDENTIALS_FILE: envVar.string(null),
};

const PositiveId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'a positive integer' });
const NonEmptyString = Type.String({ minLength: 1, description: 'a non-empty string' });

/**
 * One entry of the array. A field's `description` is what a refusal says it must be, so the message
 * names the rule the schema checks; the address is then held to the destination policy.
 */
const CredentialEntry = Type.Object({
  account_id: PositiveId,
  site_id: PositiveId,
  site_url: Type.String({ description: 'an absolute http(s) URL' }),
  username: NonEmptyString,
  application_password: NonEmptyString,
});
const credentialEntry = Compile(CredentialEntry);
const FIELD_RULES = new Map(
  Object.entries(CredentialEntry.properties).map(([name, schema]) => [
    name,
    'description' in schema ? String(schema.description) : undefined,
  ]),
);
const ENTRY_SHAPE = `{ ${[...FIELD_RULES.keys()].join(', ')} }`;

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
  const { WORDPRESS_CREDENTIALS: inline, WORDPRESS_CREDENTIALS_FILE: file } = readEnv(WORDPRESS_VARIABLES, env);
  let text = inline;
  let source = 'WORDPRESS_CREDENTIALS';
  const refusal = (message: string) => new ConfigError(message, source);
  if (file) {
    source = 'WORDPRESS_CREDENTIALS_FILE';
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw refusal(`${source} cannot be read: ${errorCode(err) ?? 'error'}`);
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
  if (!Array.isArray(parsed)) throw refusal(`${source} must be a JSON array of ${ENTRY_SHAPE}`);
  parsed.forEach((entry: unknown, i) => {
    const where = `${source}[${i}]`;
    if (!credentialEntry.Check(entry)) throw refusal(`${where}${entryProblem(entry)}`);
    const problem = destinationUrlProblem(entry.site_url, { ...policy, originOnly: true });
    if (problem) throw refusal(`${where}.site_url ${problem}`);
    const key = credentialKey(entry.account_id, entry.site_id);
    if (credentials.has(key))
      throw refusal(`${where}: a second entry for account ${entry.account_id} site ${entry.site_id}`);
    credentials.set(key, {
      account_id: entry.account_id,
      site_id: entry.site_id,
      site_url: new URL(entry.site_url).origin,
      username: entry.username,
      application_password: entry.application_password,
    });
  });
  return credentials;
}

/**
 * What is wrong with an entry the schema refuses: its first wrong or missing field and that field's
 * rule (`.site_id must be a positive integer`), or that it is not an object. Never the value itself.
 */
function entryProblem(entry: unknown): string {
  const [error] = credentialEntry.Errors(entry);
  const field = error?.keyword === 'required' ? error.params.requiredProperties[0] : error?.instancePath.split('/')[1];
  const rule = field === undefined ? undefined : FIELD_RULES.get(field);
  return rule === undefined ? ` must be an object ${ENTRY_SHAPE}` : `.${field} must be ${rule}`;
}
