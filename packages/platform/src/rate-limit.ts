import type { FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import { principalOf } from './auth.ts';
import { httpError } from './errors.ts';
import { migrateRateLimit, postgresLeaseStore, SharedWindowLimiter } from './shared-rate-limit.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false`: the route is not rate limited (health probes). */
    rateLimit?: false;
  }
}

interface RateLimitOptions {
  /** Requests allowed per window and key. */
  max: number;
  timeWindowMs: number;
  /** Keys remembered at most (default 10 000); past that the oldest window is forgotten. */
  maxKeys?: number;
  /**
   * With a pool and `shared` (RATE_LIMIT_SHARED, default true), accounts' and platform callers'
   * budgets are shared by every process on that database (`SharedWindowLimiter`); otherwise, and
   * for anonymous callers, each process counts alone.
   */
  pool?: pg.Pool;
  shared?: boolean;
}

/** What a request's key has used of its window, after counting the request. */
export interface WindowUse {
  count: number;
  /** Milliseconds until the window ends (and the count starts again). */
  resetMs: number;
}

/**
 * Fixed-window counters per key, in memory (per process): a key's window opens with its first
 * request and lasts `windowMs`; requests past `max` in it are refused until it ends. Past
 * `maxKeys` the least recently hit key is forgotten (an LRU map), so an active caller keeps its
 * count.
 * @example
 * const limiter = new FixedWindowLimiter(1200, 60_000);
 * if (limiter.hit('account:7', Date.now()).count > 1200) refuse();
 */
export class FixedWindowLimiter {
  readonly #windows: LRUCache<string, { count: number; openedAt: number }>;

  constructor(
    readonly max: number,
    readonly windowMs: number,
    readonly maxKeys = 10_000,
  ) {
    this.#windows = new LRUCache({ max: maxKeys });
  }

  /** Counts one request of `key` at `now` (ms). */
  hit(key: string, now: number): WindowUse {
    let window = this.#windows.get(key);
    if (window === undefined || now - window.openedAt >= this.windowMs) {
      window = { count: 0, openedAt: now };
      this.#windows.set(key, window);
    }
    window.count++;
    return { count: window.count, resetMs: window.openedAt + this.windowMs - now };
  }
}

/**
 * Key: the token's account once `authenticate` has run (so all users of an account share one
 * budget), the token's subject for a platform token without an account (each such caller its own
 * budget, rather than all of them one), the client address before that (public routes).
 */
function keyOf(request: FastifyRequest): string {
  const principal = principalOf(request);
  if (!principal) return `ip:${request.ip}`;
  return principal.account_id === null ? `user:${principal.user_id}` : `account:${principal.account_id}`;
}

/**
 * Per-account throttling: every route gets an onRequest hook of its own, which runs after the
 * instance's hooks — so in a scope that adds `authenticate`, the account is known when the limit
 * is checked. A refused request gets 429 RATE_LIMITED in the envelope with Retry-After; every
 * counted response carries `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset`
 * (seconds). Routes opt out with `config: { rateLimit: false }`.
 *
 * Written here rather than taken from @fastify/rate-limit (same headers and answers): that plugin's
 * async hook — an awaited key generator, a promise around its store, a `request.routeOptions` object
 * built per call — costs a visible share of a cached detail read; this synchronous one costs the
 * counting and the headers.
 */
const rateLimit: FastifyPluginAsync<RateLimitOptions> = async (fastify, opts) => {
  const local = new FixedWindowLimiter(opts.max, opts.timeWindowMs, opts.maxKeys);
  let shared: SharedWindowLimiter | null = null;
  if (opts.pool && (opts.shared ?? true)) {
    await migrateRateLimit(opts.pool);
    let warned = 0;
    shared = new SharedWindowLimiter({
      max: opts.max,
      windowMs: opts.timeWindowMs,
      store: postgresLeaseStore(opts.pool),
      fallback: local,
      onStoreError: (err) => {
        if (Date.now() - warned < 60_000) return;
        warned = Date.now();
        fastify.log.warn({ err }, 'shared rate limit unavailable: limiting per process meanwhile');
      },
    });
    const closing = shared;
    fastify.addHook('onClose', async () => closing.close());
  }
  const limit = String(opts.max);
  const windowSeconds = Math.ceil(opts.timeWindowMs / 1000);

  function checkLimit(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const key = keyOf(request);
    // Anonymous callers (keyed by address) are counted per process: no database row per address.
    const use = shared !== null && !key.startsWith('ip:') ? shared.hit(key, Date.now()) : local.hit(key, Date.now());
    if (use instanceof Promise) {
      use.then((u) => answer(u, reply, done), done);
      return;
    }
    answer(use, reply, done);
  }

  function answer(use: WindowUse, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const reset = String(Math.ceil(use.resetMs / 1000));
    reply.header('x-ratelimit-limit', limit);
    reply.header('x-ratelimit-reset', reset);
    if (use.count <= opts.max) {
      reply.header('x-ratelimit-remaining', String(opts.max - use.count));
      done();
      return;
    }
    reply.header('x-ratelimit-remaining', '0');
    done(
      httpError(
        'RATE_LIMITED',
        `rate limit of ${limit} requests per ${windowSeconds} s exceeded; retry in ${reset} s`,
        {
          headers: { 'retry-after': reset },
        },
      ),
    );
  }

  fastify.addHook('onRoute', (route) => {
    if (route.config?.rateLimit === false) return;
    const hooks = route.onRequest;
    route.onRequest = hooks === undefined ? [checkLimit] : [...(Array.isArray(hooks) ? hooks : [hooks]), checkLimit];
  });
};

export default fp(rateLimit, {
  name: '@publisher/platform/rate-limit',
  fastify: '5.x',
  dependencies: ['@publisher/platform/error-handler'],
});
