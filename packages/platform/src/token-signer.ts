import type { Role } from '@publisher/contracts';
import { createSigner } from 'fast-jwt';
import type { JwtPolicy } from './config.ts';
import { ConfigError } from './env.ts';
import { ACCOUNTLESS_ROLES } from './tenancy.ts';

export interface TokenSignerOptions {
  /** The HS256 secret (from `resolveJwtSecret`). */
  secret: string;
  /** The verifiers' policy (`loadJwtPolicy`): `iss` / `aud` are set from it, the lifetime capped by it. */
  policy: JwtPolicy;
  /** Lifetime of each token; at most `policy.maxTokenTtlSeconds`. */
  ttlSeconds: number;
}

/**
 * Mints HS256 tokens the services accept: `iat`, `exp` = iat + ttl, and `iss` / `aud` when the
 * policy names them. A lifetime above the policy's cap is refused here rather than minting tokens
 * every service would refuse. Used by `pnpm token` and the publishing worker.
 * @example
 * const sign = createTokenSigner({ secret, policy: loadJwtPolicy(process.env), ttlSeconds: 900 });
 * sign({ sub: 'publishing-worker', account_id: 7, role: 'system_bot' });
 */
export function createTokenSigner(options: TokenSignerOptions): (claims: Record<string, unknown>) => string {
  const { policy, ttlSeconds } = options;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new ConfigError(`token lifetime must be a positive number of seconds; got ${ttlSeconds}`);
  }
  if (ttlSeconds > policy.maxTokenTtlSeconds) {
    throw new ConfigError(
      `token lifetime ${ttlSeconds} s is above JWT_MAX_TTL_SECONDS (${policy.maxTokenTtlSeconds} s), which the services enforce`,
    );
  }
  return createSigner({
    key: options.secret,
    algorithm: 'HS256',
    expiresIn: ttlSeconds * 1000,
    ...(policy.issuer ? { iss: policy.issuer } : {}),
    ...(policy.audience ? { aud: policy.audience } : {}),
  });
}

/** Who a person asks a token for (`pnpm token`, the console's development sign-in). */
interface TokenRequest {
  role: Role;
  account_id?: number;
  site_ids?: readonly number[];
  /** The user; by default `user-<account>`, or the role for a token of no account. */
  sub?: string;
}

/**
 * The claims of the token a person asks for, or null when its role must name an account and it
 * names none (only the platform's accountless roles may leave it out).
 * @example
 * requestedClaims({ role: 'editor', account_id: 1 }) // { sub: 'user-1', role: 'editor', account_id: 1 }
 * requestedClaims({ role: 'editor' }) // null
 */
export function requestedClaims(request: TokenRequest): Record<string, unknown> | null {
  const { role, account_id, site_ids, sub } = request;
  if (account_id === undefined && !ACCOUNTLESS_ROLES.includes(role)) return null;
  const claims: Record<string, unknown> = {
    sub: sub ?? (account_id === undefined ? role : `user-${account_id}`),
    role,
  };
  if (account_id !== undefined) claims.account_id = account_id;
  if (site_ids !== undefined) claims.site_ids = [...site_ids];
  return claims;
}
