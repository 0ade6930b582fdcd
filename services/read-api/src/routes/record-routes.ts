import { SuccessEnvelope } from '@publisher/contracts';
import { Document, errorResponses, READ_ERRORS } from '@publisher/platform';
import type { Static, TSchema } from 'typebox';
import { RecordReadQuery } from '../as-of.ts';
import { splitCommaLists } from '../read-helpers.ts';
import type { RecordLookup } from '../record-reads.ts';
import { DocumentListEnvelope, IdParams, ReadHeaders, RecordReadHeaders } from '../schemas.ts';

/*
 * The routes of a record kind, `GET …/` and `GET …/{id}`, built from what sets the kinds apart.
 * A route file registers each with its handler (`listAnswer`, `recordAnswer`): Fastify types a
 * request from its schemas only where they are concrete, so the handlers are typed there.
 */

/** A record kind as its routes show it. */
export interface RecordResource<Representation extends TSchema, State extends { status: string }>
  extends RecordLookup<State, Static<Representation> & { revision: number }> {
  /** The OpenAPI tag. */
  tag: string;
  /** The kind in the plural, for summaries ("publishing records"). */
  plural: string;
  /** The answers' `data` (a list's `results` items). */
  representation: Representation;
}

/**
 * The options of a kind's list route: filtered by `query`, ordered and paginated.
 * @example
 * fastify.get('/', listRoute(resource, DeploymentListQuery), (request, reply) => listAnswer(…));
 */
export function listRoute<Representation extends TSchema, State extends { status: string }, Query extends TSchema>(
  resource: RecordResource<Representation, State>,
  query: Query,
) {
  return {
    preValidation: splitCommaLists,
    schema: {
      tags: [resource.tag],
      summary: `List ${resource.plural} the caller may read, filtered, ordered and paginated`,
      querystring: query,
      headers: ReadHeaders,
      response: { 200: DocumentListEnvelope(resource.representation), ...errorResponses(READ_ERRORS) },
    },
  };
}

/**
 * The options of a kind's single-record route: the current state, or the state as of a time.
 * @example
 * fastify.get('/:id', recordRoute(resource), (request, reply) => recordAnswer(…));
 */
export function recordRoute<Representation extends TSchema, State extends { status: string }>(
  resource: RecordResource<Representation, State>,
) {
  return {
    schema: {
      tags: [resource.tag],
      summary: `One ${resource.history.label} (ETag = revision; If-None-Match → 304)`,
      params: IdParams,
      description:
        'The current state from the read model; with `as_of` or `as_of_revision`, the state as it was then, folded from the event store (ETag = that revision; 404 if it did not exist yet; reads of another account by support or privileged roles are recorded in its access log).',
      querystring: RecordReadQuery,
      headers: RecordReadHeaders,
      response: {
        200: SuccessEnvelope(Document(resource.representation)),
        304: { type: 'null', description: 'not modified (If-None-Match matched the ETag)' } as const,
        ...errorResponses([...READ_ERRORS, 404]),
      },
    },
  };
}
