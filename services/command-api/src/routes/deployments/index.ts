import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CommandHeaders,
  CreateDeploymentBody,
  CreateHeaders,
  DeploymentRepresentation,
  EmptyBody,
  FailDeploymentBody,
  IdParams,
  RollbackDeploymentBody,
  SucceedDeploymentBody,
  SuccessEnvelope,
} from '@publisher/contracts';
import type { DeploymentCommand } from '@publisher/domain';
import { assertMayWrite, assertMayWriteRecord, httpError } from '@publisher/platform';
import type { FastifyReply } from 'fastify';
import type { TSchema } from 'typebox';
import type { CommandApiDeps } from '../../deps.ts';
import { deployments } from '../../handlers/aggregates.ts';
import { executeCommand } from '../../handlers/command-handler.ts';
import { deploySite } from '../../handlers/deploy-site.ts';
import { parseIfMatch } from '../../if-match.ts';
import { commandContext } from '../../metadata.ts';
import { commandResponse, emptyBodyAsObject, errorResponses, hasRequiredFields, sendResponse } from '../responses.ts';

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

  const transition = <B extends TSchema>(
    path: string,
    summary: string,
    body: B,
    toCommand: (body: never) => DeploymentCommand,
  ) =>
    fastify.post(
      `/:id/${path}`,
      {
        // A body without required fields may be left out entirely (curl -X POST …/start).
        preValidation: hasRequiredFields(body) ? undefined : emptyBodyAsObject,
        schema: {
          tags,
          summary,
          params: IdParams,
          headers: CommandHeaders,
          body,
          response: { 200: DeploymentResponse, ...errorResponses(404, 409, 412) },
        },
      },
      async (request, reply) => {
        assertMayWrite(request.principal);
        const { id } = request.params;
        const result = await executeCommand(commandDeps, deployments, {
          id,
          command: toCommand(request.body as never),
          ifMatch: parseIfMatch(request.headers['if-match'] as string | undefined),
          ctx: commandContext(request),
          authorize: (record) =>
            assertMayWriteRecord(request.principal, record, () =>
              httpError('RECORD_NOT_FOUND', `deployment ${id} not found`),
            ),
        });
        return sendResponse(
          reply as FastifyReply,
          commandResponse(request, 200, deployments.represent(result.record, result.revision), result),
        );
      },
    );

  transition('start', 'Start deploying (pending → deploying)', EmptyBody, () => ({
    type: 'StartDeployment',
    data: {},
  }));
  transition(
    'succeed',
    'Record a successful deployment (deploying → deployed)',
    SucceedDeploymentBody,
    (b: { deployment_url: string }) => ({
      type: 'SucceedDeployment',
      data: { deployment_url: b.deployment_url },
    }),
  );
  transition(
    'fail',
    'Record a failed deployment (pending | deploying → failed)',
    FailDeploymentBody,
    (b: { error: string }) => ({
      type: 'FailDeployment',
      data: { error: b.error },
    }),
  );
  transition(
    'rollback',
    'Roll back a deployed version (deployed → rolled_back)',
    RollbackDeploymentBody,
    (b: { reason?: string | null }) => ({
      type: 'RollBackDeployment',
      data: { reason: b.reason ?? null },
    }),
  );
};

export default deploymentRoutes;
