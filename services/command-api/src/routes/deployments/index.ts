import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CreateDeploymentBody,
  CreateHeaders,
  DeploymentRepresentation,
  EmptyBody,
  FailDeploymentBody,
  RollbackDeploymentBody,
  SucceedDeploymentBody,
  SuccessEnvelope,
} from '@publisher/contracts';
import type { DeploymentCommand } from '@publisher/domain';
import type { FastifyReply } from 'fastify';
import type { TSchema } from 'typebox';
import type { CommandApiDeps } from '../../deps.ts';
import { deployments } from '../../handlers/aggregates.ts';
import { deploySite } from '../../handlers/deploy-site.ts';
import { recordCommandRoute } from '../record-command-route.ts';
import { errorResponses } from '../responses.ts';

const tags = ['deployments'];
const DeploymentResponse = SuccessEnvelope(DeploymentRepresentation);

/** `POST deployments/`, `POST deployments/{id}/start|succeed|fail|rollback`. */
const deploymentRoutes: FastifyPluginAsyncTypebox<{ deps: CommandApiDeps }> = async (fastify, { deps }) => {
  const commandDeps = { store: deps.store, cache: deps.deploymentCache, maxAttempts: deps.maxAttempts, now: deps.now };

  fastify.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a deployment of a site with the site’s next version (status pending)',
        headers: CreateHeaders,
        body: CreateDeploymentBody,
        response: { 201: DeploymentResponse, ...errorResponses(409, 422) },
      },
    },
    async (request, reply) => deploySite(deps, request, reply as FastifyReply, request.body),
  );

  const command = (url: string, summary: string, body: TSchema, toCommand: (body: never) => DeploymentCommand) =>
    recordCommandRoute(fastify, {
      method: 'POST',
      url,
      tags,
      summary,
      body,
      response: DeploymentResponse,
      spec: deployments,
      deps: commandDeps,
      toCommand,
    });

  command('/:id/start', 'Start deploying (pending → deploying)', EmptyBody, () => ({
    type: 'StartDeployment',
    data: {},
  }));
  command(
    '/:id/succeed',
    'Record a successful deployment (deploying → deployed)',
    SucceedDeploymentBody,
    (b: SucceedDeploymentBody) => ({ type: 'SucceedDeployment', data: { deployment_url: b.deployment_url } }),
  );
  command(
    '/:id/fail',
    'Record a failed deployment (pending | deploying → failed)',
    FailDeploymentBody,
    (b: FailDeploymentBody) => ({
      type: 'FailDeployment',
      data: { error: b.error },
    }),
  );
  command(
    '/:id/rollback',
    'Roll back a deployed version (deployed → rolled_back)',
    RollbackDeploymentBody,
    (b: RollbackDeploymentBody) => ({ type: 'RollBackDeployment', data: { reason: b.reason ?? null } }),
  );
};

export default deploymentRoutes;
