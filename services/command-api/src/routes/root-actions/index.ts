import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CreateDeploymentBody,
  CreateHeaders,
  DeploymentRepresentation,
  PublishBody,
  PublishResult,
  SuccessEnvelope,
} from '@publisher/contracts';
import { publishingRecordAggregate } from '@publisher/domain';
import { comparePositions } from '@publisher/event-store';
import { accountForCreate, assertMayCreate, errorResponses } from '@publisher/platform';
import type { CommandApiDeps } from '../../deps.ts';
import { createPublishingRecords } from '../../handlers/create-publishing-records.ts';
import { deploySite } from '../../handlers/deploy-site.ts';
import { assertDestinationConfigs, assertJsonDepth } from '../../handlers/json-checks.ts';
import { idempotent } from '../../idempotency/idempotent.ts';
import { createdRecords } from '../../idempotency/restore.ts';
import { commandContext } from '../../metadata.ts';
import { COMMAND_ERRORS, commandResponse } from '../responses.ts';

const tags = ['root actions'];

/** Root actions: `POST publish` (one content, several destinations) and `POST deploy` (a site). */
const rootActionRoutes: FastifyPluginAsyncTypebox<{ deps: CommandApiDeps }> = async (fastify, { deps }) => {
  fastify.post(
    '/publish',
    {
      schema: {
        tags,
        summary: 'Publish one content to several destinations: one pending publishing record per destination',
        description:
          'The records are separate streams, created in parallel. If the request fails half-way, repeat it with the same Idempotency-Key to complete it without duplicates. `X-Position` is the position of the last event written.',
        headers: CreateHeaders,
        body: PublishBody,
        response: { 201: SuccessEnvelope(PublishResult), ...errorResponses([...COMMAND_ERRORS, 409, 422]) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      assertMayCreate(request.principal, body.site_id);
      const account_id = accountForCreate(request.principal, body.account_id);
      assertJsonDepth(body.destinations.map((d, i) => [d.destination_config, `destinations.${i}.destination_config`]));
      assertDestinationConfigs(
        body.destinations.map((d, i) => [d.destination_config, `destinations.${i}.destination_config`]),
        deps.destinationPolicy,
      );
      await deps.sites.assertSiteOfAccount(account_id, body.site_id);
      const ctx = commandContext(request);
      return idempotent(request, reply, deps.idempotency, async ({ id, recovering }) => {
        const created = await createPublishingRecords(
          { store: deps.store, cache: deps.recordCache, now: deps.now },
          ctx,
          body.destinations.map((d, i) => ({
            record_id: id('record', i),
            event_id: id('event', i),
            account_id,
            site_id: body.site_id,
            sector_id: body.sector_id,
            content_id: body.content_id,
            destination: d.destination,
            destination_config: d.destination_config ?? {},
            metadata: {},
          })),
          recovering,
        );
        const last = created.map((c) => c.position).reduce((a, b) => (comparePositions(a, b) >= 0 ? a : b));
        const records = created.map((c) => publishingRecordAggregate.represent(c.record, c.revision));
        return {
          ...commandResponse(request, 201, { records }, { revision: null, position: last }),
          records: createdRecords('records', 'publishing_record', created),
        };
      });
    },
  );

  fastify.post(
    '/deploy',
    {
      schema: {
        tags,
        summary: 'Deploy a site: a new pending deployment with the site’s next version',
        headers: CreateHeaders,
        body: CreateDeploymentBody,
        response: { 201: SuccessEnvelope(DeploymentRepresentation), ...errorResponses([...COMMAND_ERRORS, 409, 422]) },
      },
    },
    async (request, reply) => deploySite(deps, request, reply, request.body),
  );
};

export default rootActionRoutes;
