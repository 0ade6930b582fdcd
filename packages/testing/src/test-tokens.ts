import { createHmac, createSign } from 'node:crypto';

export interface TestTokenOptions {
  /** `HS256` (key = secret), `RS256` (key = PEM private key) or `none` (unsigned, must be refused). */
  alg?: 'HS256' | 'RS256' | 'none';
  key?: string;
  /** Seconds until expiry; negative gives an already expired token. Default 3600. Null: no `exp` (which the services refuse). */
  expiresInSeconds?: number | null;
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/**
 * Signs a JWT for tests and tools, including deliberately bad ones (alg none, wrong key, expired):
 * the auth plugin's own behaviour is what tests should exercise, not a library's happy path.
 * @example
 * const token = signTestToken({ sub: 'u1', account_id: 1, role: 'editor' }, { key: DEVELOPMENT_JWT_SECRET });
 * await app.inject({ url: '/x', headers: { authorization: `Bearer ${token}` } });
 */
export function signTestToken(claims: Record<string, unknown>, options: TestTokenOptions = {}): string {
  const alg = options.alg ?? 'HS256';
  const now = Math.floor(Date.now() / 1000);
  const exp = options.expiresInSeconds === undefined ? 3600 : options.expiresInSeconds;
  const payload = exp === null ? { iat: now, ...claims } : { iat: now, exp: now + exp, ...claims };
  const input = `${b64url(JSON.stringify({ alg, typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`;
  if (alg === 'none') return `${input}.`;
  if (!options.key) throw new Error(`signTestToken: a key is required for ${alg}`);
  if (alg === 'HS256') return `${input}.${createHmac('sha256', options.key).update(input).digest('base64url')}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(options.key).toString('base64url')}`;
}
