import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DeploymentRepresentation } from '@publisher/contracts';
import { findDeploymentDocument, listDeploymentDocuments } from '@publisher/read-model';
import type { ReadApiDeps } from '../deps.ts';
import { deploymentHistory } from '../history/aggregates.ts';
import { listAnswer, recordAnswer } from '../record-reads.ts';
import { DeploymentListQuery } from '../schemas.ts';
import { listRoute, recordRoute } from './record-routes.ts';

const deployments = {
  tag: 'deployments',
  plural: 'deployments',
  representation: DeploymentRepresentation,
  find: findDeploymentDocument,
  history: deploymentHistory,
};

/** `GET deployments/` and `GET deployments/{id}`. */
const deploymentRoutes: FastifyPluginAsyncTypebox<{ deps: ReadApiDeps }> = async (fastify, { deps }) => {
  fastify.get('/', listRoute(deployments, DeploymentListQuery), (request, reply) =>
    listAnswer(request, reply, deps, request.query, listDeploymentDocuments),
  );
  fastify.get('/:id', recordRoute(deployments), (request, reply) =>
    recordAnswer(request, reply, deps, deployments, request.params.id, request.query),
  );
};

export default deploymentRoutes;
