import { IdParams, Position, SuccessEnvelope } from '@publisher/contracts';
import { canonicalId, type RecordAggregate } from '@publisher/domain';
import {
  canRead,
  errorResponses,
  httpError,
  IfNoneMatchHeader,
  notModified,
  READ_ERRORS,
  success,
  type Tenant,
  type TypeBoxFastify,
} from '@publisher/platform';
import { type Static, type TSchema, Type } from 'typebox';
import type { CommandDeps } from '../handlers/command-handler.ts';
import { readAggregate } from '../handlers/read-aggregate.ts';

const ReadQuery = Type.Object(
  {
    min_position: Type.Optional({
      ...Position,
      description:
        'a position as on the read API (a command response’s X-Position); always satisfied here, since the record is read from the event store itself',
    }),
  },
  { additionalProperties: false },
);

const ReadHeaders = Type.Object(IfNoneMatchHeader);

export interface RecordReadRoute<
  State extends { status: string },
  Existing extends State & Tenant,
  Command,
  Event extends { type: string; data: unknown },
  Representation extends TSchema,
> {
  tags: string[];
  summary: string;
  /** The resource's representation (the answer's `data`): the aggregate's `represent` must return it. */
  representation: Representation;
  spec: RecordAggregate<State, Existing, Command, Event, Static<Representation>>;
  deps: Pick<CommandDeps<State>, 'store' | 'cache'>;
  /** False for a record that exists but is hidden from reads (a deleted publishing record): 404. */
  visible: (record: Existing) => boolean;
}

/**
 * Registers `GET /:id` for one aggregate, so the `Location` of a create resolves on the command API
 * with the same token: the stream is read from the event store and folded with the domain's evolve,
 * then mapped with its representation (the same fold as as-of reads, never a read model, so the
 * answer includes the caller's last command). Tenant-scoped like the read API: a record the caller
 * may not read is a 404, as is a deleted one. `ETag` = revision, `If-None-Match` → 304,
 * `X-Position` = the position of the record's last event.
 * @example
 * recordReadRoute(fastify, { tags, summary, representation: DeploymentRepresentation, spec: deploymentAggregate, deps, visible: () => true });
 */
export function recordReadRoute<
  State extends { status: string },
  Existing extends State & Tenant,
  Command,
  Event extends { type: string; data: unknown },
  Representation extends TSchema,
>(fastify: TypeBoxFastify, route: RecordReadRoute<State, Existing, Command, Event, Representation>): void {
  // Widened: the call site checks `represent` against the schema, and Fastify's types cannot
  // resolve a response schema generic in it.
  const Response: TSchema = SuccessEnvelope(route.representation);
  fastify.route({
    method: 'GET',
    url: '/:id',
    schema: {
      tags: route.tags,
      summary: route.summary,
      params: IdParams,
      querystring: ReadQuery,
      headers: ReadHeaders,
      response: {
        200: Response,
        304: { type: 'null', description: 'not modified (If-None-Match matched the ETag)' },
        ...errorResponses([...READ_ERRORS, 404]),
      },
    },
    handler: async (request, reply) => {
      const id = canonicalId(request.params.id);
      const found = await readAggregate(route.deps, route.spec, id);
      if (!found || !route.visible(found.record) || !canRead(request.principal, found.record)) {
        throw httpError('RECORD_NOT_FOUND', `${route.spec.label} ${id} not found`);
      }
      reply.header('x-position', found.position);
      if (await notModified(request, reply, found.revision)) return undefined;
      return success(request, route.spec.represent(found.record, found.revision));
    },
  });
}
