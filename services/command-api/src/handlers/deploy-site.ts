import type { CreateDeploymentBody } from '@publisher/contracts';
import { deploymentAggregate } from '@publisher/domain';
import { API_PREFIX, accountForCreate, assertMayCreate } from '@publisher/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CommandApiDeps } from '../deps.ts';
import { idempotent } from '../idempotency/idempotent.ts';
import { createdRecords } from '../idempotency/restore.ts';
import { commandContext } from '../metadata.ts';
import { commandResponse } from '../routes/responses.ts';
import { createDeployment } from './create-deployment.ts';
import { assertJsonDepth } from './json-checks.ts';

/**
 * `POST deployments/` and the root `POST deploy`: a new deployment of the site, taking its next
 * version, under the request's Idempotency-Key, in the token's account or the one a privileged
 * caller names.
 * @example
 * fastify.post('/deploy', { schema }, (request, reply) => deploySite(deps, request, reply, request.body));
 */
export async function deploySite(
  deps: CommandApiDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  body: CreateDeploymentBody,
) {
  assertMayCreate(request.principal, body.site_id);
  const account_id = accountForCreate(request.principal, body.account_id);
  assertJsonDepth([[body.metadata, 'metadata']]);
  await deps.sites.assertSiteOfAccount(account_id, body.site_id);
  const ctx = commandContext(request);
  return idempotent(request, reply, deps.idempotency, async ({ id, keyed }) => {
    const created = await createDeployment(
      { store: deps.store, cache: deps.deploymentCache, maxAttempts: deps.maxAttempts, now: deps.now },
      ctx,
      {
        deployment_id: id('deployment'),
        reservation_event_id: id('reservation'),
        account_id,
        site_id: body.site_id,
        sector_id: body.sector_id ?? null,
        metadata: body.metadata ?? {},
        keyed,
      },
    );
    return {
      ...commandResponse(request, 201, deploymentAggregate.represent(created.record, created.revision), created, {
        location: `${API_PREFIX}/deployments/${created.record.id}`,
      }),
      records: createdRecords('record', 'deployment', [created]),
    };
  });
}
