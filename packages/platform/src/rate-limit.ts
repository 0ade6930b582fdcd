import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { httpError } from './errors.ts';

export interface RateLimitOptions {
  /** Requests allowed per window and key. */
  max: number;
  timeWindowMs: number;
}

/**
 * Key: the token's account once `authenticate` has run (so all users of an account share one
 * budget), the client address before that (public routes).
 */
function keyOf(request: FastifyRequest): string {
  const principal = request.principal as FastifyRequest['principal'] | null;
  return principal ? `account:${principal.account_id}` : `ip:${request.ip}`;
}

/**
 * Per-account throttling with @fastify/rate-limit (in-memory, per process): 429 RATE_LIMITED in the
 * envelope, with Retry-After. Routes opt out with `config: { rateLimit: false }` (health probes).
 * Route-level hooks run after the instance's, so in a scope that adds `authenticate` the account
 * is known when the limit is checked.
 */
const rateLimit: FastifyPluginAsync<RateLimitOptions> = async (fastify, opts) => {
  await fastify.register(fastifyRateLimit, {
    global: true,
    max: opts.max,
    timeWindow: opts.timeWindowMs,
    keyGenerator: keyOf,
    errorResponseBuilder: (_request, context) =>
      httpError('RATE_LIMITED', `rate limit of ${context.max} requests per ${context.after} exceeded; retry later`),
  });
};

export default fp(rateLimit, {
  name: '@publisher/platform/rate-limit',
  fastify: '5.x',
  dependencies: ['@publisher/platform/error-handler'],
});
