import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CancelDeploymentBody,
  CreateDeploymentBody,
  CreateHeaders,
  DeploymentRepresentation,
  EmptyBody,
  FailDeploymentBody,
  RollbackDeploymentBody,
  SucceedDeploymentBody,
  SuccessEnvelope,
  UpdateDeploymentBody,
} from '@publisher/contracts';
import type { DeploymentCommand } from '@publisher/domain';
import { deploymentAggregate } from '@publisher/domain';
import { errorResponses } from '@publisher/platform';
import type { TSchema } from 'typebox';
import type { CommandApiDeps } from '../../deps.ts';
import { deploySite } from '../../handlers/deploy-site.ts';
import { assertJsonDepth, assertNoCredentials } from '../../handlers/json-checks.ts';
import { recordCommandRoute, type ValidatedBody } from '../record-command-route.ts';
import { recordReadRoute } from '../record-read-route.ts';
import { redriveRoute, republishEffect } from '../redrive-route.ts';
import { COMMAND_ERRORS } from '../responses.ts';

const tags = ['deployments'];
const DeploymentResponse = SuccessEnvelope(DeploymentRepresentation);

/**
 * `POST deployments/`, `GET deployments/{id}`, `PATCH deployments/{id}`,
 * `POST deployments/{id}/cancel|start|succeed|fail|rollback`.
 * Cancelling is a POST action like the other transitions, not a DELETE: the deployment stays readable
 * (status `cancelled`, its version kept), where a DELETE would promise that the resource is gone.
 */
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
        response: { 201: DeploymentResponse, ...errorResponses([...COMMAND_ERRORS, 409, 422]) },
      },
    },
    async (request, reply) => deploySite(deps, request, reply, request.body),
  );

  recordReadRoute(fastify, {
    tags,
    summary: 'One deployment, read from the event store (ETag = revision; If-None-Match → 304)',
    representation: DeploymentRepresentation,
    spec: deploymentAggregate,
    deps: commandDeps,
    visible: () => true,
  });

  const command = <Body extends TSchema>(
    url: string,
    summary: string,
    body: Body,
    toCommand: (body: ValidatedBody<Body>) => DeploymentCommand,
    method: 'POST' | 'PATCH' = 'POST',
  ) =>
    recordCommandRoute(fastify, {
      method,
      url,
      tags,
      summary,
      body,
      representation: DeploymentRepresentation,
      spec: deploymentAggregate,
      deps: commandDeps,
      toCommand,
    });

  command(
    '/:id',
    'Replace the metadata while pending (If-Match honoured)',
    UpdateDeploymentBody,
    (b) => {
      assertJsonDepth([[b.metadata, 'metadata']]);
      return { type: 'UpdateDeployment', data: { metadata: b.metadata } };
    },
    'PATCH',
  );
  command(
    '/:id/cancel',
    'Cancel a pending deployment (pending → cancelled): it never runs, its version stays taken, its site is free again',
    CancelDeploymentBody,
    (b) => ({ type: 'CancelDeployment', data: { reason: b.reason ?? null } }),
  );
  command('/:id/start', 'Start deploying (pending → deploying)', EmptyBody, () => ({
    type: 'StartDeployment',
    data: {},
  }));
  command('/:id/succeed', 'Record a successful deployment (deploying → deployed)', SucceedDeploymentBody, (b) => {
    assertNoCredentials([[b.deployment_url, 'deployment_url']]);
    return { type: 'SucceedDeployment', data: { deployment_url: b.deployment_url } };
  });
  command('/:id/fail', 'Record a failed deployment (pending | deploying → failed)', FailDeploymentBody, (b) => ({
    type: 'FailDeployment',
    data: { error: b.error },
  }));
  command('/:id/rollback', 'Roll back a deployed version (deployed → rolled_back)', RollbackDeploymentBody, (b) => ({
    type: 'RollBackDeployment',
    data: { reason: b.reason ?? null },
  }));

  // Re-drive (support): recorded in the deployment's stream; see ../redrive-route.ts for roles.
  redriveRoute(fastify, {
    url: '/:id/republish',
    action: 'republish',
    tags,
    summary: 'Re-send the deployment’s integration events to Kafka as replays (original event ids)',
    representation: DeploymentRepresentation,
    spec: deploymentAggregate,
    deps: commandDeps,
    toCommand: (reason, replay_id): DeploymentCommand => ({ type: 'RepublishDeployment', data: { replay_id, reason } }),
    effect: (o, dry) => republishEffect(`deployment ${o.record.id}`, o, dry),
  });
};

export default deploymentRoutes;
