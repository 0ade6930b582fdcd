import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CommandHeaders, IdParams, SuccessEnvelope } from '@publisher/contracts';
import { canonicalId, type RecordAggregate } from '@publisher/domain';
import {
  assertMayWrite,
  assertMayWriteRecord,
  errorResponses,
  httpError,
  type Tenant,
  type TypeBoxFastify,
} from '@publisher/platform';
import type { FastifyRequest, RawRequestDefaultExpression, RawServerDefault, RouteGenericInterface } from 'fastify';
import type { Static, TSchema } from 'typebox';
import { type CommandDeps, executeCommand } from '../handlers/command-handler.ts';
import { parseIfMatch } from '../if-match.ts';
import { commandContext } from '../metadata.ts';
import { COMMAND_ERRORS, commandResponse, emptyBodyAsObject, hasRequiredFields } from './responses.ts';

/**
 * The body a route with this body schema hands its handler, as the TypeBox type provider derives it
 * (`Static<Body>` for a concrete schema); inside a helper generic over the schema, the handler's
 * `request.body` has this same type.
 */
export type ValidatedBody<Body extends TSchema> = FastifyRequest<
  RouteGenericInterface,
  RawServerDefault,
  RawRequestDefaultExpression,
  { body: Body },
  TypeBoxTypeProvider
>['body'];

export interface RecordCommandRoute<
  State extends { status: string },
  Existing extends State & Tenant,
  Command,
  Event,
  Body extends TSchema,
  Representation extends TSchema,
> {
  method: 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the resource, e.g. `/:id/start`. */
  url: string;
  tags: string[];
  summary: string;
  /** Body schema; a schema without required fields lets the body be left out. None: no body. */
  body?: Body;
  /** The resource's representation (the answer's `data`): the aggregate's `represent` must return it. */
  representation: Representation;
  spec: RecordAggregate<State, Existing, Command, Event & { type: string; data: unknown }, Static<Representation>>;
  deps: CommandDeps<State>;
  /** The domain command for this (validated) body; may throw 400s of its own. */
  toCommand: (body: ValidatedBody<Body>) => Command;
  /** Envelope message on success. */
  message?: string;
}

/**
 * Registers one command on an existing record (`/:id/...`): roles that may not write get 403 before
 * anything is read, the record must be visible to the caller (else 404) and writable (else 403),
 * If-Match is honoured, and the answer is the record after the command with ETag and X-Position.
 * @example
 * recordCommandRoute(fastify, { method: 'POST', url: '/:id/start', … toCommand: () => ({ type: 'StartDeployment', data: {} }) });
 */
export function recordCommandRoute<
  State extends { status: string },
  Existing extends State & Tenant,
  Command,
  Event,
  Body extends TSchema,
  Representation extends TSchema,
>(fastify: TypeBoxFastify, route: RecordCommandRoute<State, Existing, Command, Event, Body, Representation>): void {
  // Widened: the handler's answer is typed by `commandResponse`, the call site checks `represent`
  // against the schema, and Fastify's types cannot resolve a response schema generic in it.
  const Response: TSchema = SuccessEnvelope(route.representation);
  fastify.route({
    method: route.method,
    url: route.url,
    // A body without required fields may be left out entirely (curl -X POST …/start).
    preValidation: route.body && !hasRequiredFields(route.body) ? emptyBodyAsObject : undefined,
    schema: {
      tags: route.tags,
      summary: route.summary,
      params: IdParams,
      headers: CommandHeaders,
      ...(route.body && { body: route.body }),
      response: { 200: Response, ...errorResponses([...COMMAND_ERRORS, 404, 409, 412]) },
    },
    handler: async (request, reply) => {
      assertMayWrite(request.principal);
      const id = canonicalId(request.params.id);
      const command = route.toCommand(request.body);
      const result = await executeCommand(route.deps, route.spec, {
        id,
        command,
        ifMatch: parseIfMatch(request.headers['if-match']),
        ctx: commandContext(request),
        authorize: (record) =>
          assertMayWriteRecord(request.principal, record, () =>
            httpError('RECORD_NOT_FOUND', `${route.spec.label} ${id} not found`),
          ),
      });
      const data = route.spec.represent(result.record, result.revision);
      const { headers, body } = commandResponse(request, 200, data, result, { message: route.message });
      reply.headers(headers);
      return body;
    },
  });
}
