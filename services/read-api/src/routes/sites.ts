import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SiteDeploymentStatusRepresentation, SuccessEnvelope } from '@publisher/contracts';
import { errorResponses, READ_ERRORS, success } from '@publisher/platform';
import { getSiteDeploymentStatus } from '@publisher/read-model';
import { cachedRead } from '../cached-read.ts';
import type { ReadApiDeps } from '../deps.ts';
import { accountRequired, siteNotFound } from '../errors.ts';
import { scopeFor } from '../read-helpers.ts';
import { ReadHeaders, ReadQuery, SiteParams } from '../schemas.ts';

/** `GET sites/{site_id}/deployment-status`: the per-site view. */
const siteRoutes: FastifyPluginAsyncTypebox<{ deps: ReadApiDeps }> = async (fastify, { deps }) => {
  fastify.get(
    '/:site_id/deployment-status',
    {
      schema: {
        tags: ['sites'],
        summary: 'What is live on a site (highest deployed version not rolled back) and how its latest deployment went',
        description:
          'Roles that read every account name the account (`account_id`): a site id does not say which account it belongs to.',
        params: SiteParams,
        querystring: ReadQuery,
        headers: ReadHeaders,
        response: {
          200: SuccessEnvelope(SiteDeploymentStatusRepresentation),
          ...errorResponses([...READ_ERRORS, 404]),
        },
      },
    },
    async (request, reply) => {
      const { site_id } = request.params;
      const scope = scopeFor(request.principal, request.query.account_id);
      if (scope.account_id === 'any') throw accountRequired('a site id does not say which account it belongs to');
      const status = await cachedRead(request, reply, deps, scope, request.query.min_position, async () => {
        const value = await getSiteDeploymentStatus(deps.db, scope, site_id);
        if (value === undefined) throw siteNotFound(site_id);
        return { value, bytes: 512 };
      });
      return success(request, status);
    },
  );
};

export default siteRoutes;
