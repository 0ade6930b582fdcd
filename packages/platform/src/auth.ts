import fastifyJwt, { type FastifyJWTOptions, type TokenOrHeader } from '@fastify/jwt';
import { type Role, TokenClaims } from '@publisher/contracts';
import { errorCode } from '@publisher/coordination';
import { Ajv } from 'ajv';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import { LRUCache } from 'lru-cache';
import { DEFAULT_MAX_TOKEN_TTL_SECONDS, type JwtConfig } from './config.ts';
import { HttpError, httpError } from './errors.ts';
import { unstorableReason } from './storable.ts';
import { ACCOUNTLESS_ROLES } from './tenancy.ts';

/** Who is calling, from a verified token. */
export interface Principal {
  /** The token's `sub`. */
  user_id: string;
  /**
   * The token's account; null only for `developer` and `system_bot` tokens that name none (platform
   * callers such as schedulers), which then say in each create which account it is for.
   */
  account_id: number | null;
  role: Role;
  /** When set, the user may only touch these sites (in any account it may reach). */
  site_ids: readonly number[] | null;
}

/**
 * Where `authenticate` keeps the caller: null on every request until it has run. Private to this
 * module, so the caller is read in one of two ways: `request.principal` where it is always set
 * (handlers behind `authenticate`, the common case, with no null checks), `principalOf` where it
 * may not be (hooks that also run on public routes).
 */
const PRINCIPAL = Symbol('principal');

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The caller `fastify.authenticate` verified. Read it only in routes behind that hook: anywhere
     * else the read throws (a programming error, answered 500), so the type need not admit null.
     */
    readonly principal: Principal;
    [PRINCIPAL]: Principal | null;
  }
  interface FastifyInstance {
    /**
     * onRequest hook: verifies the bearer token and sets `request.principal`, or answers 401.
     * @example
     * app.register(async (api) => { api.addHook('onRequest', api.authenticate); … });
     */
    authenticate: onRequestHookHandler;
  }
}

interface AuthOptions {
  jwt: JwtConfig;
  /** Verified tokens remembered (LRU). Default 10 000; 0 verifies every request. */
  verifiedTokenCacheSize?: number;
  /** Tolerated clock skew when checking `exp` / `nbf`, in seconds. Default 5. */
  clockToleranceSeconds?: number;
}

const claimsAjv = new Ajv({ allErrors: false, coerceTypes: false, strict: false });
/** The claims a token must carry (`exp` and `iat` are `checkLifetime`'s). */
const checkClaims = claimsAjv.compile<TokenClaims & { exp?: unknown; iat?: unknown }>(TokenClaims as object);

/**
 * Picks the verifier key from the configuration. Only HS256 and RS256 are ever accepted: `none`,
 * other algorithms, and an HS256 token "signed" with the RSA public key (the classic confusion
 * attack) all fail, because each algorithm is paired with its own key. `iss` and `aud` are checked
 * here when configured (fast-jwt's `allowedIss` / `allowedAud`); `exp` and the lifetime cap are
 * checked after verification (`checkLifetime`), with messages of their own.
 */
function jwtOptions(config: JwtConfig, clockToleranceSeconds: number): FastifyJWTOptions {
  const { secret, publicKey } = config;
  const required = [...(config.issuer ? ['iss'] : []), ...(config.audience ? ['aud'] : [])];
  const verify = {
    // fast-jwt counts the tolerance in milliseconds.
    clockTolerance: clockToleranceSeconds * 1000,
    // allowedIss / allowedAud only judge a claim that is present; requiredClaims makes it present.
    ...(required.length > 0 ? { requiredClaims: required } : {}),
    ...(config.issuer ? { allowedIss: config.issuer } : {}),
    ...(config.audience ? { allowedAud: config.audience } : {}),
  };
  if (secret && publicKey) {
    return {
      secret: async (_request: FastifyRequest, token: TokenOrHeader) => {
        const { alg } = 'header' in token ? token.header : token;
        if (alg === 'HS256') return secret;
        if (alg === 'RS256') return publicKey;
        throw httpError('AUTH_TOKEN_INVALID', 'token algorithm not accepted');
      },
      // The key callback needs the header to pick the key; by default it only sees the payload.
      decode: { complete: true },
      verify,
    };
  }
  if (publicKey) return { secret: { public: publicKey }, verify: { algorithms: ['RS256'], ...verify } };
  if (secret) return { secret, verify: { algorithms: ['HS256'], ...verify } };
  throw new Error('auth: neither a JWT secret nor a public key is configured');
}

/**
 * Every token must expire, and within the configured lifetime: a stolen token without `exp`, or one
 * minted for a year, would otherwise work until the secret is rotated. The lifetime counts from
 * `iat` when present and from now in any case (a token claiming a future `iat` gains nothing).
 */
function checkLifetime(
  payload: { exp?: unknown; iat?: unknown },
  maxTtlSeconds: number,
  tolerance: number,
): asserts payload is { exp: number } {
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) {
    throw httpError('AUTH_CLAIMS_INVALID', 'token claims invalid: exp is required');
  }
  const now = Date.now() / 1000;
  const fromIat = typeof payload.iat === 'number' ? payload.exp - payload.iat : 0;
  if (payload.exp - now > maxTtlSeconds + tolerance || fromIat > maxTtlSeconds + tolerance) {
    throw httpError('AUTH_TOKEN_INVALID', `token lifetime exceeds the accepted ${maxTtlSeconds} s`);
  }
}

/**
 * Tokens already verified, keyed by the exact Authorization header: clients send the same token
 * with many requests, and re-verifying it (base64, JSON, HMAC/RSA, claims) costs more than the rest
 * of a small request. Entries expire with the token's `exp`, or after 10 minutes.
 */
class VerifiedTokens {
  private readonly entries: LRUCache<string, Principal> | null;

  constructor(max: number) {
    this.entries = max === 0 ? null : new LRUCache({ max });
  }

  get(header: string): Principal | undefined {
    return this.entries?.get(header);
  }

  set(header: string, principal: Principal, exp: number): void {
    // lru-cache reads a ttl of 0 as "forever": a token at its expiry is not kept at all.
    const ttl = Math.min(exp * 1000 - Date.now(), 600_000);
    if (ttl >= 1) this.entries?.set(header, principal, { ttl: Math.floor(ttl) });
  }
}

function tokenError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const code = errorCode(err);
  if (code === 'FST_JWT_NO_AUTHORIZATION_IN_HEADER')
    return httpError('AUTH_TOKEN_MISSING', 'authorization token missing');
  if (code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED')
    return httpError('AUTH_TOKEN_EXPIRED', 'authorization token expired');
  return httpError('AUTH_TOKEN_INVALID', 'authorization token invalid');
}

/**
 * The caller, once `authenticate` has run on this request; undefined before or without it.
 * @example
 * const principal = principalOf(request);
 * const key = principal ? `account:${principal.account_id}` : `ip:${request.ip}`;
 */
export function principalOf(request: FastifyRequest): Principal | undefined {
  return request[PRINCIPAL] ?? undefined;
}

/**
 * Bearer-token authentication: registers @fastify/jwt (HS256 with the configured secret, RS256 with
 * the configured public key) and decorates `fastify.authenticate`, which verifies the token, checks
 * its claims (`sub`, `account_id`, `role`, optional `site_ids`; only developer and system_bot tokens may
 * leave out `account_id`; `exp` within the lifetime cap; `iss` and `aud` when configured) and sets
 * `request.principal`. Anything wrong answers 401. Warns at start when the development secret is in use.
 */
const auth: FastifyPluginAsync<AuthOptions> = async (fastify, opts) => {
  if (opts.jwt.developmentSecret) {
    fastify.log.warn(
      'JWT_SECRET is not set: tokens are verified with the development secret (never do this in production)',
    );
  }
  const tolerance = opts.clockToleranceSeconds ?? 5;
  const maxTtl = opts.jwt.maxTokenTtlSeconds ?? DEFAULT_MAX_TOKEN_TTL_SECONDS;
  await fastify.register(fastifyJwt, jwtOptions(opts.jwt, tolerance));
  // Declared on every request, so every request has one object shape.
  fastify.decorateRequest(PRINCIPAL, null);
  fastify.decorateRequest('principal', {
    getter(): Principal {
      const principal = this[PRINCIPAL];
      if (principal === null) throw new Error('request.principal read on a route without fastify.authenticate');
      return principal;
    },
  });

  const verified = new VerifiedTokens(opts.verifiedTokenCacheSize ?? 10_000);

  /** Verifies a token not seen before (or expired from the cache) and remembers it. */
  async function verify(request: FastifyRequest, header: string): Promise<void> {
    // The scheme is case-insensitive (RFC 9110), as @fastify/jwt reads it.
    if (!/^Bearer [A-Za-z0-9_.~+/=-]+$/i.test(header)) {
      throw httpError('AUTH_TOKEN_INVALID', 'authorization header must be "Bearer <token>"');
    }
    let payload: unknown;
    try {
      payload = await request.jwtVerify();
    } catch (err) {
      throw tokenError(err);
    }
    if (!checkClaims(payload))
      throw httpError('AUTH_CLAIMS_INVALID', 'token claims invalid (sub, account_id, role, site_ids)');
    const claims = payload;
    if (claims.account_id === undefined && !ACCOUNTLESS_ROLES.includes(claims.role)) {
      throw httpError('AUTH_CLAIMS_INVALID', `token claims invalid: role ${claims.role} needs an account_id`);
    }
    // `sub` goes into every event's metadata: a string PostgreSQL cannot store would fail each write.
    if (unstorableReason(claims.sub) !== null)
      throw httpError('AUTH_CLAIMS_INVALID', 'token claims invalid: sub holds characters that cannot be stored');
    checkLifetime(claims, maxTtl, tolerance);
    const principal: Principal = Object.freeze({
      user_id: claims.sub,
      account_id: claims.account_id ?? null,
      role: claims.role,
      site_ids: claims.site_ids ? Object.freeze([...claims.site_ids]) : null,
    });
    request[PRINCIPAL] = principal;
    verified.set(header, principal, claims.exp);
  }

  // A callback hook, not an async one: a known token (the usual case) then costs a Map lookup and
  // no promise; only a verification goes asynchronous.
  fastify.decorate('authenticate', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const header = request.headers.authorization;
    if (header === undefined || header === '')
      return done(httpError('AUTH_TOKEN_MISSING', 'authorization token missing'));
    const known = verified.get(header);
    if (known) {
      request[PRINCIPAL] = known;
      return done();
    }
    verify(request, header).then(() => done(), done);
  });
};

export default fp(auth, { name: '@publisher/platform/auth', fastify: '5.x' });
