import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

export interface OpenApiOptions {
  title: string;
  version: string;
  description?: string;
  /** Where the UI is served; the document is at `${routePrefix}/json`. Default `/docs`. */
  routePrefix?: string;
}

/**
 * OpenAPI 3 generated from the routes' TypeBox schemas (@fastify/swagger), browsable at `/docs`
 * (@fastify/swagger-ui). Register it before the routes so it sees them.
 */
const openApi: FastifyPluginAsync<OpenApiOptions> = async (fastify, opts) => {
  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: opts.title, version: opts.version, description: opts.description },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearerAuth: [] }],
    },
  });
  await fastify.register(fastifySwaggerUi, {
    routePrefix: opts.routePrefix ?? '/docs',
    uiConfig: { deepLinking: false },
  });
};

export default fp(openApi, { name: '@publisher/platform/openapi', fastify: '5.x' });
