import { createSigner } from 'fast-jwt';

const TOKEN_TTL_MS = 15 * 60_000;
/** A cached token is replaced well before it expires, so a slow request never carries a stale one. */
const REFRESH_AFTER_MS = 10 * 60_000;

/**
 * Signs the worker's own tokens: HS256 with the services' JWT secret, role `system_bot` (may write
 * any account), `account_id` = the record's account so every event names the tenant it acts for.
 *
 * @example
 * const tokens = createTokenSource({ secret, subject: 'publishing-worker' });
 * fetch(url, { headers: { authorization: `Bearer ${tokens.forAccount(7)}` } });
 */
export function createTokenSource(options: { secret: string; subject: string; now?: () => number }): {
  forAccount(accountId: number): string;
} {
  const now = options.now ?? Date.now;
  const sign = createSigner({ key: options.secret, algorithm: 'HS256', expiresIn: TOKEN_TTL_MS });
  const cache = new Map<number, { token: string; at: number }>();
  return {
    forAccount(accountId) {
      const hit = cache.get(accountId);
      if (hit && now() - hit.at < REFRESH_AFTER_MS) return hit.token;
      const token = sign({ sub: options.subject, account_id: accountId, role: 'system_bot' });
      if (cache.size > 10_000) cache.clear();
      cache.set(accountId, { token, at: now() });
      return token;
    },
  };
}
