import { type FastifyServerOptions, LogController } from 'fastify';
import { clientErrorHandler } from './client-errors.ts';
import type { PlatformConfig } from './config.ts';
import { frameworkErrors } from './error-handler.ts';
import { loggerOptions } from './logger.ts';
import { requestIdFrom } from './request-id.ts';

/**
 * Fastify constructor options every Publisher API uses: pino logger at LOG_LEVEL with request ids
 * (label `request_id`), the configured body limit, and no Fastify-made 503 while closing (the
 * platform answers those itself, in the envelope).
 * @example
 * const app = Fastify(serverOptions(config)).withTypeProvider<TypeBoxTypeProvider>();
 */
export function serverOptions(config: Pick<PlatformConfig, 'logLevel' | 'bodyLimit'>): FastifyServerOptions {
  return {
    logger: loggerOptions(config),
    genReqId: requestIdFrom,
    requestIdHeader: false,
    // One log line per request (platform's onResponse hook) instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    return503OnClosing: false,
    // Without this, a client that never sends a body would hold a connection open forever.
    requestTimeout: 30_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // A URL the router cannot take, or a request Node's parser refuses, is answered in the
    // envelope, not in Fastify's own body.
    frameworkErrors,
    clientErrorHandler,
  };
}
