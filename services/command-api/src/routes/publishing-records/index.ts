import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CreateHeaders,
  CreatePublishingRecordBody,
  EmptyBody,
  FailPublishingBody,
  PublishingRecordRepresentation,
  SucceedPublishingBody,
  SuccessEnvelope,
  UpdatePublishingRecordBody,
} from '@publisher/contracts';
import type { PublishingRecordCommand } from '@publisher/domain';
import { publishingRecordAggregate } from '@publisher/domain';
import { API_PREFIX, accountForCreate, assertMayCreate, errorResponses } from '@publisher/platform';
import type { TSchema } from 'typebox';
import type { CommandApiDeps } from '../../deps.ts';
import { createPublishingRecords } from '../../handlers/create-publishing-records.ts';
import { assertDestinationConfigs, assertJsonDepth, assertNoCredentials } from '../../handlers/json-checks.ts';
import { idempotent } from '../../idempotency/idempotent.ts';
import { createdRecords } from '../../idempotency/restore.ts';
import { commandContext } from '../../metadata.ts';
import { recordCommandRoute, type ValidatedBody } from '../record-command-route.ts';
import { recordReadRoute } from '../record-read-route.ts';
import { redriveRoute, republishEffect } from '../redrive-route.ts';
import { COMMAND_ERRORS, commandResponse } from '../responses.ts';

const tags = ['publishing-records'];
const RecordResponse = SuccessEnvelope(PublishingRecordRepresentation);
const location = (id: string) => `${API_PREFIX}/publishing-records/${id}`;

/**
 * `POST publishing-records/`, `GET publishing-records/{id}`, `POST publishing-records/{id}/start|succeed|fail|retry`,
 * `PATCH publishing-records/{id}`, `DELETE publishing-records/{id}`.
 */
const publishingRecordRoutes: FastifyPluginAsyncTypebox<{ deps: CommandApiDeps }> = async (fastify, { deps }) => {
  const commandDeps = { store: deps.store, cache: deps.recordCache, maxAttempts: deps.maxAttempts, now: deps.now };

  fastify.post(
    '/',
    {
      schema: {
        tags,
        summary:
          'Create a publishing record (status pending) in the caller’s account, or the one `account_id` names (any account for developer and system_bot)',
        headers: CreateHeaders,
        body: CreatePublishingRecordBody,
        response: { 201: RecordResponse, ...errorResponses([...COMMAND_ERRORS, 409, 422]) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      assertMayCreate(request.principal, body.site_id);
      const account_id = accountForCreate(request.principal, body.account_id);
      assertJsonDepth([
        [body.destination_config, 'destination_config'],
        [body.metadata, 'metadata'],
      ]);
      assertDestinationConfigs([[body.destination_config, 'destination_config']], deps.destinationPolicy);
      await deps.sites.assertSiteOfAccount(account_id, body.site_id);
      const ctx = commandContext(request);
      return idempotent(request, reply, deps.idempotency, async ({ id, recovering }) => {
        const [created] = await createPublishingRecords(
          { store: deps.store, cache: deps.recordCache, now: deps.now },
          ctx,
          [
            {
              record_id: id('record'),
              event_id: id('event'),
              account_id,
              site_id: body.site_id,
              sector_id: body.sector_id,
              content_id: body.content_id,
              destination: body.destination,
              destination_config: body.destination_config ?? {},
              metadata: body.metadata ?? {},
            },
          ],
          recovering,
        );
        if (!created) throw new Error('no record created');
        return {
          ...commandResponse(
            request,
            201,
            publishingRecordAggregate.represent(created.record, created.revision),
            created,
            {
              location: location(created.record.id),
            },
          ),
          records: createdRecords('record', 'publishing_record', [created]),
        };
      });
    },
  );

  recordReadRoute(fastify, {
    tags,
    summary: 'One publishing record, read from the event store (ETag = revision; If-None-Match → 304)',
    representation: PublishingRecordRepresentation,
    spec: publishingRecordAggregate,
    deps: commandDeps,
    visible: (record) => !record.deleted,
  });

  const command = <Body extends TSchema>(
    method: 'POST' | 'PATCH' | 'DELETE',
    url: string,
    summary: string,
    body: Body | undefined,
    toCommand: (body: ValidatedBody<Body>) => PublishingRecordCommand,
    message?: string,
  ) =>
    recordCommandRoute(fastify, {
      method,
      url,
      tags,
      summary,
      body,
      representation: PublishingRecordRepresentation,
      spec: publishingRecordAggregate,
      deps: commandDeps,
      toCommand,
      message,
    });

  command('POST', '/:id/start', 'Start publishing (pending → publishing)', EmptyBody, () => ({
    type: 'StartPublishing',
    data: {},
  }));
  command(
    'POST',
    '/:id/succeed',
    'Record a successful publish (publishing → published)',
    SucceedPublishingBody,
    (b) => {
      assertNoCredentials([
        [b.external_url, 'external_url'],
        [b.external_id, 'external_id'],
      ]);
      return { type: 'SucceedPublishing', data: { external_url: b.external_url, external_id: b.external_id ?? null } };
    },
  );
  command('POST', '/:id/fail', 'Record a failed attempt (publishing → failed)', FailPublishingBody, (b) => ({
    type: 'FailPublishing',
    data: { error: b.error },
  }));
  command('POST', '/:id/retry', 'Retry a failed record (failed → pending)', EmptyBody, () => ({
    type: 'RetryPublishing',
    data: {},
  }));
  command(
    'PATCH',
    '/:id',
    'Change destination, destination_config or metadata while pending',
    UpdatePublishingRecordBody,
    (b) => {
      assertJsonDepth([
        [b.destination_config, 'destination_config'],
        [b.metadata, 'metadata'],
      ]);
      assertDestinationConfigs([[b.destination_config, 'destination_config']], deps.destinationPolicy);
      return { type: 'UpdatePublishingRecord', data: b };
    },
  );
  command(
    'DELETE',
    '/:id',
    'Delete (soft, as an event) a record that is not being published',
    undefined,
    () => ({ type: 'DeletePublishingRecord', data: {} }),
    'publishing record deleted',
  );

  // Re-drives (support): recorded in the record's stream; see ../redrive-route.ts for roles.
  redriveRoute(fastify, {
    url: '/:id/republish',
    action: 'republish',
    tags,
    summary: 'Re-send the record’s integration events to Kafka as replays (original event ids)',
    representation: PublishingRecordRepresentation,
    spec: publishingRecordAggregate,
    deps: commandDeps,
    toCommand: (reason, replay_id): PublishingRecordCommand => ({
      type: 'RepublishPublishingRecord',
      data: { replay_id, reason },
    }),
    effect: (o, dry) => republishEffect(`publishing record ${o.record.id}`, o, dry),
  });
  redriveRoute(fastify, {
    url: '/:id/redeliver',
    action: 'redeliver',
    tags,
    summary: 'Deliver a failed record again through the publishing worker (failed → pending)',
    representation: PublishingRecordRepresentation,
    spec: publishingRecordAggregate,
    deps: commandDeps,
    toCommand: (reason): PublishingRecordCommand => ({ type: 'RedeliverPublishingRecord', data: { reason } }),
    effect: (o, dry) =>
      dry
        ? `would make publishing record ${o.record.id} pending again for the publishing worker to deliver (attempt ${o.record.attempts + 1}); nothing was recorded`
        : `publishing record ${o.record.id} is pending again; the publishing worker delivers it (attempt ${o.record.attempts + 1})`,
  });
};

export default publishingRecordRoutes;
