import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DeploymentHistoryEntry, IdParams, ListEnvelope, PublishingRecordHistoryEntry } from '@publisher/contracts';
import { canonicalId } from '@publisher/domain';
import { occurredAt, type RecordedEvent } from '@publisher/event-store';
import { Document, errorResponses, JsonDocument, listPage, READ_ERRORS } from '@publisher/platform';
import type { FastifyRequest } from 'fastify';
import { recordCrossAccountReads } from '../access-log.ts';
import { HistoryQuery } from '../audit-schemas.ts';
import type { ReadApiDeps } from '../deps.ts';
import { deploymentHistory, type HistoryAggregate, publishingRecordHistory } from '../history/aggregates.ts';
import { readRecordStream } from '../history/record-stream.ts';
import { type ReplayStep, replay } from '../history/replay.ts';
import { linkTo } from '../links.ts';
import { scopeFor } from '../read-helpers.ts';

const DESCRIPTION =
  'The record’s events from the event store, oldest first, each with who did it (actor, request, correlation and causation ids), its payload, the fields it changed ([before, after]) and the record after it. Deleted records keep their history. Paged by revision (`next` / `previous` links). Reads of another account by support or privileged roles are recorded in that account’s access log.';

/** A history entry: the event as the log holds it, and the record after it. */
function entry<Representation>(step: ReplayStep<Representation>) {
  const { event } = step;
  const m = event.metadata;
  return {
    revision: event.revision,
    position: event.position,
    type: event.type,
    recorded_at: event.recorded_at.toISOString(),
    occurred_at: occurredAt(event),
    actor: { user_id: m?.actor?.user_id ?? null, role: m?.actor?.role ?? null },
    request_id: m?.request_id ?? null,
    correlation_id: m?.correlation_id ?? null,
    causation_id: m?.causation_id ?? null,
    data: event.data,
    changes: step.changes,
    state: step.state,
  };
}

/**
 * Speed trick: each entry's JSON, remembered per event object as the fold is (`replay.ts`). An
 * entry never changes once its event is in the log, so the entries of a cached stream are
 * serialized once and go out as they are (`JsonDocument`), inside the envelope the route's schema
 * writes. Serializing a page's entries is the largest cost of a history read, and the schema's own
 * serializer is slower than `JSON.stringify` on these free-form entries (an `anyOf` branch per
 * nullable field, payloads typed `unknown`). Only for a cached stream's events (`shared`): others
 * are read once, and remembering them would only fill the weak map with entries to clear. What it trades: memory,
 * about one entry's text per cached event; nothing undeclared is stripped from an entry, so
 * `entry` builds it field by field and tests check real answers against the schema. Measure:
 * `pnpm bench:audit` (`history`, `history-50`) with `BENCH_BASELINE`.
 */
const entryJson = new WeakMap<RecordedEvent, string>();

type Entry<Representation> = ReturnType<typeof entry<Representation>>;

function entryDocument<Representation>(
  step: ReplayStep<Representation>,
  shared: boolean,
): JsonDocument<Entry<Representation>> {
  if (!shared) return new JsonDocument(JSON.stringify(entry(step)));
  // One map for every representation: the text is what `entry` made of this very step.
  let json = entryJson.get(step.event);
  if (json === undefined) {
    json = JSON.stringify(entry(step));
    entryJson.set(step.event, json);
  }
  return new JsonDocument(json);
}

/**
 * `GET publishing-records/{id}/history` and `GET deployments/{id}/history`: from the event store,
 * through the domain's fold (`replay`).
 */
const historyRoutes: FastifyPluginAsyncTypebox<{ deps: ReadApiDeps }> = async (fastify, { deps }) => {
  async function history<State extends { status: string }, Representation extends { revision: number }>(
    request: FastifyRequest,
    params: IdParams,
    query: HistoryQuery,
    aggregate: HistoryAggregate<State, Representation>,
  ) {
    const id = canonicalId(params.id);
    const from = query.from_revision ?? 0;
    const size = query.page_size ?? 20;
    // The page's events and everything before them (the fold starts at the create), plus one to
    // tell whether a next page exists.
    const asked = from + size + 1;
    const read = await readRecordStream(deps.streams, aggregate, id, scopeFor(request.principal), asked);
    const { length: count, tenant } = read;
    const shared = read.cached;
    await recordCrossAccountReads(deps.accessLog, request, {
      action: 'history',
      tenants: [tenant],
      record_kind: aggregate.kind,
      record_id: id,
      query: { ...query },
    });
    const results = [];
    for (const step of replay(aggregate, { events: read.events, shared }, from)) {
      if (step.event.revision >= from + size) break;
      results.push(entryDocument(step, shared));
    }
    return listPage(request, {
      count,
      next: from + size < count ? linkTo(request, { from_revision: from + size }) : null,
      // Past the end, the previous page is the last one: its link lands on events.
      previous: from > 0 ? linkTo(request, { from_revision: Math.max(0, Math.min(from, count) - size) }) : null,
      results,
    });
  }

  fastify.get(
    '/publishing-records/:id/history',
    {
      schema: {
        tags: ['history'],
        summary: 'A publishing record’s history: every event, who did it, what it changed',
        description: DESCRIPTION,
        params: IdParams,
        querystring: HistoryQuery,
        response: {
          200: ListEnvelope(Document(PublishingRecordHistoryEntry)),
          ...errorResponses([...READ_ERRORS, 404]),
        },
      },
    },
    (request) => history(request, request.params, request.query, publishingRecordHistory),
  );

  fastify.get(
    '/deployments/:id/history',
    {
      schema: {
        tags: ['history'],
        summary: 'A deployment’s history: every event, who did it, what it changed',
        description: DESCRIPTION,
        params: IdParams,
        querystring: HistoryQuery,
        response: {
          200: ListEnvelope(Document(DeploymentHistoryEntry)),
          ...errorResponses([...READ_ERRORS, 404]),
        },
      },
    },
    (request) => history(request, request.params, request.query, deploymentHistory),
  );
};

export default historyRoutes;
