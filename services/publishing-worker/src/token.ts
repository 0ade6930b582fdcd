import { createTokenSigner, DEFAULT_MAX_TOKEN_TTL_SECONDS, type JwtPolicy } from '@publisher/platform';
import { LRUCache } from 'lru-cache';

/** The worker's tokens live 15 minutes, or less when the services accept less (JWT_MAX_TTL_SECONDS). */
const TOKEN_TTL_SECONDS = 15 * 60;

/**
 * Signs the worker's own tokens: HS256 with the services' JWT secret, role `system_bot` (may write
 * any account), `account_id` = the record's account so every event names the tenant it acts for;
 * `exp`, `iss` and `aud` follow the services' policy (the platform's `createTokenSigner`).
 *
 * @example
 * const tokens = createTokenSource({ secret, subject: 'publishing-worker', policy: loadJwtPolicy(process.env) });
 * fetch(url, { headers: { authorization: `Bearer ${tokens.forAccount(7)}` } });
 */
export function createTokenSource(options: { secret: string; subject: string; policy?: JwtPolicy }): {
  forAccount(accountId: number): string;
} {
  const policy = options.policy ?? { issuer: null, audience: null, maxTokenTtlSeconds: DEFAULT_MAX_TOKEN_TTL_SECONDS };
  const ttlSeconds = Math.min(TOKEN_TTL_SECONDS, policy.maxTokenTtlSeconds);
  // A cached token is replaced well before it expires, so a slow request never carries a stale one.
  // Whole milliseconds: lru-cache refuses a fractional ttl.
  const refreshAfterMs = Math.floor((ttlSeconds * 1000 * 2) / 3);
  const sign = createTokenSigner({ secret: options.secret, policy, ttlSeconds });
  const cache = new LRUCache<number, string>({ max: 10_000, ttl: refreshAfterMs });
  return {
    forAccount(accountId) {
      const hit = cache.get(accountId);
      if (hit) return hit;
      const token = sign({ sub: options.subject, account_id: accountId, role: 'system_bot' });
      cache.set(accountId, token);
      return token;
    },
  };
}
