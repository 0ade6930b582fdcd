import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ListEnvelope, SnapshotEntry } from '@publisher/contracts';
import { Document, errorResponses, JsonDocument, listPage, READ_ERRORS, type TenantScope } from '@publisher/platform';
import { type AuditRecordRef, listRecordsCreatedBy } from '@publisher/read-model';
import type { Static } from 'typebox';
import { recordCrossAccountReads } from '../access-log.ts';
import { SnapshotQuery } from '../audit-schemas.ts';
import { decodeCursor, encodeCursor, isLowerCaseUuid } from '../cursor.ts';
import type { ReadApiDeps } from '../deps.ts';
import { accountRequired } from '../errors.ts';
import { HISTORY_AGGREGATES } from '../history/aggregates.ts';
import { tenantSeenBy } from '../history/record-stream.ts';
import { foldUntil } from '../history/replay.ts';
import { linkTo } from '../links.ts';
import { READ_POSITION_HEADER, scopeFor } from '../read-helpers.ts';
import { positionBeforeRead } from '../read-your-writes.ts';
import { ReadHeaders } from '../schemas.ts';

/** Streams read from the event store at once for one page (each a small read). */
const STREAM_READS_IN_FLIGHT = 8;

/**
 * `GET audit/snapshot`: every record of an account as it was at `as_of`, a page at a time — the
 * support CLI's `snapshot` pages through it. Which records existed comes from the audit read model
 * (records whose first event occurred by then); what each looked like is folded from its stream in
 * the event store, as as-of reads do, never taken from the current read model.
 */
const snapshotRoute: FastifyPluginAsyncTypebox<{ deps: ReadApiDeps }> = async (fastify, { deps }) => {
  /**
   * A record as it was at `until`, as its snapshot entry's JSON, or null when it is not the scope's
   * (or the kind is unknown). Written with `JSON.stringify`: the schema's serializer would have to
   * pick between the two representations of `data` for every entry.
   */
  async function recordAt(ref: AuditRecordRef, scope: TenantScope, until: string) {
    const aggregate = HISTORY_AGGREGATES[ref.aggregate];
    if (aggregate === undefined) return null;
    const read = await deps.streams.read(aggregate.stream(ref.record_id));
    // The listing is scoped by the audit rows' tenant; the record's own (from its create) decides.
    if (tenantSeenBy(scope, aggregate, read.events) === null) return null;
    const step = foldUntil(aggregate, { events: read.events, shared: read.cached }, until);
    if (step?.state == null) return null;
    return new JsonDocument<Static<typeof SnapshotEntry>>(
      JSON.stringify({ kind: aggregate.kind, deleted: step.deleted, data: step.state }),
    );
  }

  fastify.get(
    '/snapshot',
    {
      schema: {
        tags: ['audit'],
        summary: 'Every record of an account as it was at a time, replayed from the event store',
        description:
          'Records whose first event occurred at or before `as_of`, by record id, each folded from its stream in the event store up to `as_of` (deleted ones too, flagged). Forward-only paging: `next` carries the cursor, `previous` is always null. Roles that read any account must name `account_id`. Snapshots of another account by support or privileged roles are recorded in its access log. Records whose first event the projector has not reached yet are not listed.',
        querystring: SnapshotQuery,
        headers: ReadHeaders,
        response: { 200: ListEnvelope(Document(SnapshotEntry)), ...errorResponses(READ_ERRORS) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const scope = scopeFor(request.principal, q.account_id);
      if (scope.account_id === 'any') throw accountRequired('a snapshot is of one account');
      const size = q.page_size ?? 20;
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, [isLowerCaseUuid]).key[0];
      // Which records existed comes from the audit read model: it must include the position asked for.
      reply.header(READ_POSITION_HEADER, (await positionBeforeRead(request, deps, q.min_position)) ?? '');
      // The account read is known before the read: its access-log entry is written beside it.
      const [page] = await Promise.all([
        listRecordsCreatedBy(deps.db, scope, { as_of: q.as_of, after, limit: size + 1 }),
        recordCrossAccountReads(deps.accessLog, request, {
          action: 'snapshot',
          tenants: [{ account_id: scope.account_id, site_id: null }],
          query: { ...q },
        }),
      ]);
      const refs = page.records.slice(0, size);
      const until = new Date(q.as_of).toISOString();
      const results = new Array<Awaited<ReturnType<typeof recordAt>>>(refs.length);
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < refs.length; i = next++) {
          const ref = refs[i];
          if (ref !== undefined) results[i] = await recordAt(ref, scope, until);
        }
      };
      await Promise.all(Array.from({ length: Math.min(STREAM_READS_IN_FLIGHT, refs.length) }, worker));
      const last = refs.at(-1);
      return listPage(request, {
        count: page.count,
        next:
          page.records.length > size && last
            ? linkTo(request, { cursor: encodeCursor({ direction: 'older', key: [last.record_id] }) })
            : null,
        previous: null,
        results: results.filter((r) => r !== null),
      });
    },
  );
};

export default snapshotRoute;
