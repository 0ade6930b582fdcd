import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyRequest,
  type FastifyServerOptions,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import fp from 'fastify-plugin';
import type pg from 'pg';
import auth from './auth.ts';
import type { PlatformConfig } from './config.ts';
import errorHandler from './error-handler.ts';
import health, { type ReadinessCheck } from './health.ts';
import { readJsonBody } from './json-body.ts';
import { serializerCompiler } from './json-document.ts';
import openApi, { type OpenApiOptions } from './openapi.ts';
import rateLimit from './rate-limit.ts';
import { serverOptions } from './server-options.ts';
import { validatorCompiler } from './validation.ts';

export interface PlatformOptions {
  config: Pick<PlatformConfig, 'jwt' | 'rateLimit'>;
  openapi: OpenApiOptions;
  /** Dependencies `/ready` checks. */
  readiness?: ReadinessCheck[];
  /** The service's database: with it (and `rateLimit.shared`) all its processes share each account's budget. */
  rateLimitPool?: pg.Pool;
}

/**
 * Everything a Publisher API shares, in the order it must be registered: strict body validation,
 * JSON-only bodies (UTF-8, `readJsonBody`), the envelope and error handler, JWT auth (`fastify.authenticate`), per-account
 * rate limit, OpenAPI at /docs, and /health + /ready. Routes registered afterwards get all of it.
 * @example
 * const app = createFastify(config);
 * await app.register(platform, { config, openapi: { title: 'Read API', version: '1.0.0' }, readiness: [dbCheck] });
 * await app.register(async (api) => { api.addHook('onRequest', api.authenticate); api.get(…) }, { prefix: '/api/v1/publisher' });
 */
const platformPlugin: FastifyPluginAsync<PlatformOptions> = async (fastify, opts) => {
  fastify.setValidatorCompiler(validatorCompiler);
  fastify.setSerializerCompiler(serializerCompiler);
  // Commands are JSON; a text/plain body must be a 415, not a string that fails validation later.
  fastify.removeContentTypeParser('text/plain');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    async (request: FastifyRequest, body: Buffer) => readJsonBody(request, body),
  );
  await fastify.register(errorHandler);
  await fastify.register(auth, { jwt: opts.config.jwt });
  await fastify.register(rateLimit, { ...opts.config.rateLimit, pool: opts.rateLimitPool });
  await fastify.register(openApi, opts.openapi);
  await fastify.register(health, { checks: opts.readiness });
};

export const platform = fp(platformPlugin, { name: '@publisher/platform', fastify: '5.x' });

/** A Fastify instance whose routes take their types from TypeBox schemas. */
export type TypeBoxFastify = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * A Fastify instance with the platform's server options and the TypeBox type provider.
 * @example
 * const app = createFastify(config, { logger: false });
 */
export function createFastify(
  config: Pick<PlatformConfig, 'logLevel' | 'bodyLimit'>,
  overrides: Partial<FastifyServerOptions> = {},
): TypeBoxFastify {
  const options = serverOptions(config);
  // Fastify refuses both; a service passes its own pino instance (named, see `loggerOptions`).
  if (overrides.loggerInstance) delete options.logger;
  const merged: FastifyHttpOptions<RawServerDefault> = { ...options, ...overrides };
  const timeout = merged.requestTimeout ?? 0;
  if (timeout > 0) {
    // Node's default 60 s headers timeout, longer than the request timeout, keeps Node from expiring
    // any request before 60 s: given when the server is made, the request timeout bounds the headers
    // too. Node looks for expired requests every 30 s by default; a tenth of the timeout bounds the
    // lateness. (Fastify's own HTTP server only: `overrides` takes neither `https` nor `http`.)
    merged.http = { requestTimeout: timeout, connectionsCheckingInterval: Math.max(10, Math.floor(timeout / 10)) };
  }
  return Fastify(merged).withTypeProvider<TypeBoxTypeProvider>();
}
