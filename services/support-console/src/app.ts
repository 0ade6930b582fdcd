import { SuccessEnvelope } from '@publisher/contracts';
import { createFastify, errorHandler, health, success, validatorCompiler } from '@publisher/platform';
import { fastifyTelemetry, ServiceMetrics } from '@publisher/telemetry';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { Type } from 'typebox';
import { apiProxy } from './api-proxy.ts';
import { buildAssets } from './assets.ts';
import type { SupportConsoleConfig } from './config.ts';
import devSignIn from './dev-sign-in.ts';

/**
 * The page may load only its own script and style and talk only to its own origin (the API proxy):
 * a token pasted into it can only go where the console sends it.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** What the page may offer: `GET /console-settings`. */
const ConsoleSettings = SuccessEnvelope(Type.Object({ dev_sign_in: Type.Boolean() }));

/**
 * The support console: the browser page (built at start), `GET /console-settings` (what the page
 * may offer), the API proxy, `/health`, and — with the development secret only — `POST /dev/sign-in`.
 * @example
 * const app = await buildApp(loadSupportConsoleConfig(process.env));
 * await app.listen({ port: config.port, host: config.host });
 */
export async function buildApp(
  config: SupportConsoleConfig,
  overrides: Partial<FastifyServerOptions> = {},
  metrics: ServiceMetrics | null = config.telemetry.metricsEnabled ? new ServiceMetrics('support_console') : null,
): Promise<FastifyInstance> {
  const assets = await buildAssets();
  const app = createFastify(config, overrides);
  app.setValidatorCompiler(validatorCompiler);
  await app.register(errorHandler);
  await app.register(health);
  // Request durations by route and status class, and `/metrics` (unless METRICS_PORT serves it).
  await app.register(fastifyTelemetry, { metrics, serveMetrics: config.telemetry.metricsPort === null });

  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  for (const [url, asset] of assets) {
    app.get(url, { schema: { hide: true } }, async (request, reply) => {
      reply.header('etag', asset.etag).header('cache-control', 'no-cache').type(asset.contentType);
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply.send(asset.body);
    });
  }

  app.get('/console-settings', { schema: { response: { 200: ConsoleSettings } } }, async (request) =>
    success(request, { dev_sign_in: config.devSignIn }),
  );

  await app.register(apiProxy, { commandApiUrl: config.commandApiUrl, readApiUrl: config.readApiUrl });
  if (config.devSignIn) await app.register(devSignIn, { policy: config.jwtPolicy });
  return app;
}
