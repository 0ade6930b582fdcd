import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CommandHeaders,
  CreateHeaders,
  CreatePublishingRecordBody,
  EmptyBody,
  FailPublishingBody,
  IdParams,
  PublishingRecordRepresentation,
  SucceedPublishingBody,
  SuccessEnvelope,
  UpdatePublishingRecordBody,
} from '@publisher/contracts';
import type { PublishingRecordCommand } from '@publisher/domain';
import { assertMayCreate, assertMayWrite, assertMayWriteRecord, httpError } from '@publisher/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import type { CommandApiDeps } from '../../deps.ts';
import { publishingRecords } from '../../handlers/aggregates.ts';
import { executeCommand } from '../../handlers/command-handler.ts';
import { createPublishingRecords } from '../../handlers/create-publishing-records.ts';
import { assertJsonDepth, assertNoSecrets } from '../../handlers/json-checks.ts';
import { idempotent } from '../../idempotency/idempotent.ts';
import { parseIfMatch } from '../../if-match.ts';
import { commandContext } from '../../metadata.ts';
import {
  API_PREFIX,
  commandResponse,
  emptyBodyAsObject,
  errorResponses,
  hasRequiredFields,
  sendResponse,
} from '../responses.ts';

const tags = ['publishing-records'];
const RecordResponse = SuccessEnvelope(PublishingRecordRepresentation);
const location = (id: string) => `${API_PREFIX}/publishing-records/${id}`;

/**
 * `POST publishing-records/`, `POST publishing-records/{id}/start|succeed|fail|retry`,
 * `PATCH publishing-records/{id}`, `DELETE publishing-records/{id}`.
 */
const publishingRecordRoutes: FastifyPluginAsyncTypebox<{ deps: CommandApiDeps }> = async (fastify, { deps }) => {
  const commandDeps = { store: deps.store, cache: deps.recordCache, maxAttempts: deps.maxAttempts, now: deps.now };

  fastify.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a publishing record (status pending) in the caller’s account',
        headers: CreateHeaders,
        body: CreatePublishingRecordBody,
        response: { 201: RecordResponse, ...errorResponses(409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      assertMayCreate(request.principal, body.site_id);
      assertJsonDepth([
        [body.destination_config, 'destination_config'],
        [body.metadata, 'metadata'],
      ]);
      assertNoSecrets([[body.destination_config, 'destination_config']]);
      const ctx = commandContext(request);
      return idempotent(request, reply as FastifyReply, deps.idempotency, async ({ id, recovering }) => {
        const [created] = await createPublishingRecords(
          { store: deps.store, cache: deps.recordCache, now: deps.now },
          ctx,
          [
            {
              record_id: id('record'),
              event_id: id('event'),
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
        return commandResponse(request, 201, publishingRecords.represent(created.record, created.revision), created, {
          location: location(created.record.id),
        });
      });
    },
  );

  /** Runs `command` on record `{id}` and answers with the record after it. */
  const run = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    command: PublishingRecordCommand,
    message?: string,
  ) => {
    assertMayWrite(request.principal);
    const result = await executeCommand(commandDeps, publishingRecords, {
      id,
      command,
      ifMatch: parseIfMatch(request.headers['if-match'] as string | undefined),
      ctx: commandContext(request),
      authorize: (record) =>
        assertMayWriteRecord(request.principal, record, () =>
          httpError('RECORD_NOT_FOUND', `publishing record ${id} not found`),
        ),
    });
    return sendResponse(
      reply,
      commandResponse(request, 200, publishingRecords.represent(result.record, result.revision), result, { message }),
    );
  };

  const transition = <B extends TSchema>(
    path: string,
    summary: string,
    body: B,
    toCommand: (body: never) => PublishingRecordCommand,
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
          response: { 200: RecordResponse, ...errorResponses(404, 409, 412) },
        },
      },
      async (request, reply) =>
        run(request, reply as FastifyReply, request.params.id, toCommand(request.body as never)),
    );

  transition('start', 'Start publishing (pending → publishing)', EmptyBody, () => ({
    type: 'StartPublishing',
    data: {},
  }));
  transition(
    'succeed',
    'Record a successful publish (publishing → published)',
    SucceedPublishingBody,
    (b: { external_url: string; external_id?: string | null }) => ({
      type: 'SucceedPublishing',
      data: { external_url: b.external_url, external_id: b.external_id ?? null },
    }),
  );
  transition('fail', 'Record a failed attempt (publishing → failed)', FailPublishingBody, (b: { error: string }) => ({
    type: 'FailPublishing',
    data: { error: b.error },
  }));
  transition('retry', 'Retry a failed record (failed → pending)', EmptyBody, () => ({
    type: 'RetryPublishing',
    data: {},
  }));

  fastify.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Change destination, destination_config or metadata while pending',
        params: IdParams,
        headers: CommandHeaders,
        body: UpdatePublishingRecordBody,
        response: { 200: RecordResponse, ...errorResponses(404, 409, 412) },
      },
    },
    async (request, reply) => {
      assertJsonDepth([
        [request.body.destination_config, 'destination_config'],
        [request.body.metadata, 'metadata'],
      ]);
      assertNoSecrets([[request.body.destination_config, 'destination_config']]);
      return run(request, reply as FastifyReply, request.params.id, {
        type: 'UpdatePublishingRecord',
        data: request.body,
      });
    },
  );

  fastify.delete(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Delete (soft, as an event) a record that is not being published',
        params: IdParams,
        headers: CommandHeaders,
        response: { 200: RecordResponse, ...errorResponses(404, 409, 412) },
      },
    },
    async (request, reply) =>
      run(
        request,
        reply as FastifyReply,
        request.params.id,
        { type: 'DeletePublishingRecord', data: {} },
        'publishing record deleted',
      ),
  );
};

export default publishingRecordRoutes;
