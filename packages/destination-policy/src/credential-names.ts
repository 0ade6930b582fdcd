/**
 * Words that make a key or a query parameter name a credential: `api_key`, `X-Auth-Token`,
 * `clientSecret`, `sig`, `password`… A name is split into words (snake, kebab and camel case), so
 * `author_id` or `tokenizer_mode` are not caught by a substring.
 */
const CREDENTIAL_WORDS = new Set([
  'secret',
  'secrets',
  'password',
  'passwords',
  'passwd',
  'pwd',
  'passphrase',
  'token',
  'tokens',
  'auth',
  'authorization',
  'authentication',
  'credential',
  'credentials',
  'signature',
  'sig',
  'hmac',
  'bearer',
  'cookie',
  'jwt',
  'apikey',
  'accesskey',
  'secretkey',
  'privatekey',
  'sessionid',
]);

/** `key` names a credential alone (`?key=`) or next to one of these (`api_key`, `x-access-key`). */
const KEY_QUALIFIERS = new Set([
  'api',
  'access',
  'private',
  'secret',
  'client',
  'signing',
  'app',
  'application',
  'master',
  'encryption',
  'license',
  'subscription',
  'consumer',
  'shared',
  'webhook',
]);

function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/**
 * True when a key or parameter name looks like it holds a credential.
 * @example
 * isCredentialName('api_key') // true
 * isCredentialName('X-Auth-Token') // true
 * isCredentialName('author') // false
 */
export function isCredentialName(name: string): boolean {
  const words = wordsOf(name);
  if (words.some((w) => CREDENTIAL_WORDS.has(w))) return true;
  if (words.some((w) => w === 'key' || w === 'keys')) {
    return words.length === 1 || words.some((w) => KEY_QUALIFIERS.has(w));
  }
  return false;
}

/** Values that are credentials whatever their key: well-known token formats and auth schemes. */
const CREDENTIAL_VALUES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\s*(bearer|basic|digest|token)\s+\S{8,}/i, 'an Authorization header value'],
  [/^eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]*$/, 'a JSON Web Token'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/^whsec_[A-Za-z0-9+/=]{16,}$/, 'a webhook signing secret'],
  [/^(AKIA|ASIA)[0-9A-Z]{16}$/, 'an AWS access key id'],
  [/^gh[pousr]_[A-Za-z0-9]{30,}$/, 'a GitHub token'],
  [/^xox[abposr]-[A-Za-z0-9-]{10,}$/, 'a Slack token'],
  [/^(sk|rk)_(live|test)_[A-Za-z0-9]{10,}$/, 'a Stripe secret key'],
];

/**
 * What kind of credential a string value is, or null.
 * @example
 * credentialValueKind('Bearer abcdefghijkl') // 'an Authorization header value'
 */
export function credentialValueKind(value: string): string | null {
  for (const [pattern, kind] of CREDENTIAL_VALUES) if (pattern.test(value)) return kind;
  return null;
}
