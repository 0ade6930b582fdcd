import { withTimeout } from '@publisher/coordination';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { errorResponses, success } from './envelope.ts';
import { httpError } from './errors.ts';

/** A dependency `/ready` checks, e.g. `{ name: 'database', check: () => pool.query('select 1') }`. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<unknown>;
}

interface HealthOptions {
  checks?: ReadinessCheck[];
  /** Each check fails after this long. Default 2000 ms. */
  timeoutMs?: number;
}

const HealthResponse = Type.Object({
  success: Type.Literal(true),
  data: Type.Object({ status: Type.String(), checks: Type.Optional(Type.Record(Type.String(), Type.String())) }),
  request_id: Type.String(),
});

/**
 * `GET /health`: the process is alive (never touches dependencies).
 * `GET /ready`: every check passes → 200; any fails → 503 NOT_READY, `errors` naming the failed ones.
 * Neither needs a token nor counts against the rate limit.
 */
const health: FastifyPluginAsync<HealthOptions> = async (fastify, opts) => {
  const checks = opts.checks ?? [];
  const timeoutMs = opts.timeoutMs ?? 2000;
  const response = { 200: HealthResponse, ...errorResponses([503]) };
  const common = { config: { rateLimit: false }, schema: { hide: true, response } } as const;

  fastify.get('/health', common, async (request) => success(request, { status: 'ok' }));

  fastify.get('/ready', common, async (request) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), timeoutMs, () => new Error(`timed out after ${timeoutMs} ms`));
          return { name, error: null };
        } catch (err) {
          request.log.warn({ err, check: name }, 'readiness check failed');
          return { name, error: 'unavailable' };
        }
      }),
    );
    const failed = results.filter((r) => r.error !== null);
    if (failed.length > 0) {
      throw httpError('NOT_READY', `not ready: ${failed.map((f) => f.name).join(', ')} unavailable`, {
        errors: Object.fromEntries(failed.map((f) => [f.name, [f.error as string]])),
      });
    }
    return success(request, { status: 'ready', checks: Object.fromEntries(results.map((r) => [r.name, 'ok'])) });
  });
};

export default fp(health, {
  name: '@publisher/platform/health',
  fastify: '5.x',
  dependencies: ['@publisher/platform/error-handler'],
});
