import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AccessLogEntry, AuditEvent, ListEnvelope } from '@publisher/contracts';
import {
  canAdministerOwnAccount,
  errorResponses,
  httpError,
  JsonDocument,
  listPage,
  READ_ERRORS,
} from '@publisher/platform';
import { type AuditEventDocument, listAccessLog, searchAuditEvents } from '@publisher/read-model';
import type { Static } from 'typebox';

/** What the audit search takes. */
type AuditSearch = Parameters<typeof searchAuditEvents>[2];

import { type AccessRead, recordCrossAccountReads } from '../access-log.ts';
import { AccessLogQuery, AuditEventsQuery } from '../audit-schemas.ts';
import { decodeCursor, encodeCursor, isId, isPositionToken, isTime } from '../cursor.ts';
import type { ReadApiDeps } from '../deps.ts';
import { linkTo } from '../links.ts';
import { READ_POSITION_HEADER, rejectInvertedRange, scopeFor, type TakesEveryFilter } from '../read-helpers.ts';
import { positionBeforeRead } from '../read-your-writes.ts';
import { DocumentListEnvelope, ReadHeaders } from '../schemas.ts';
import snapshotRoute from './snapshot.ts';

const tags = ['audit'];

/** `GET audit/events`, `GET audit/access-log`, `GET audit/snapshot`. */
const auditRoutes: FastifyPluginAsyncTypebox<{ deps: ReadApiDeps }> = async (fastify, { deps }) => {
  fastify.get(
    '/events',
    {
      schema: {
        tags,
        summary: 'Search the events of every record: who did what, when, newest first',
        description:
          'From the audit read model the projector keeps (one row per event of the log, whatever its type). Tenant-scoped like every list: support and privileged roles search any account (narrow with `account_id`), others their own. Newest first (occurred time, then log position); `next` / `previous` carry cursors. `count` is exact up to 10,000 and reads 10,000 beyond. Searches of other accounts by support or privileged roles are recorded in those accounts’ access logs.',
        querystring: AuditEventsQuery,
        headers: ReadHeaders,
        response: { 200: DocumentListEnvelope(AuditEvent), ...errorResponses(READ_ERRORS) },
      },
    },
    async (request, reply) => {
      const { account_id, page_size, cursor, min_position, ...filters } = request.query;
      rejectInvertedRange(filters, 'from', 'to');
      const scope = scopeFor(request.principal, account_id);
      const size = page_size ?? 20;
      const at = cursor === undefined ? undefined : decodeCursor(cursor, [isTime, isPositionToken]);
      reply.header(READ_POSITION_HEADER, (await positionBeforeRead(request, deps, min_position)) ?? '');
      // Compiles only when the search takes every filter of the query schema.
      const taken: typeof filters & TakesEveryFilter<typeof filters, NonNullable<AuditSearch['filters']>> = filters;
      const search = searchAuditEvents(deps.reader, scope, {
        filters: taken,
        page_size: size,
        cursor: at && { direction: at.direction, occurred_at: at.key[0], position: at.key[1] },
      });
      const record = (tenants: AccessRead['tenants']) =>
        recordCrossAccountReads(deps.accessLog, request, {
          action: 'audit_search',
          tenants,
          query: { ...request.query },
        });
      // A search naming its account holds that account's events only, so its entry is known before
      // the search and is written beside it (a search that then fails stays recorded, as an attempt);
      // otherwise the accounts the page holds are recorded once it is read. Either way the answer
      // waits for the entry's commit.
      let page: Awaited<typeof search>;
      if (account_id !== undefined) {
        [page] = await Promise.all([search, record([{ account_id, site_id: filters.site_id ?? null }])]);
      } else {
        page = await search;
        // An event without a tenant is of no account: nothing to record for it.
        await record(
          page.rows.flatMap((r) =>
            r.account_id === null ? [] : [{ account_id: r.account_id, site_id: filters.site_id ?? null }],
          ),
        );
      }
      const first = page.rows[0];
      const last = page.rows.at(-1);
      const link = (direction: 'older' | 'newer', r: AuditEventDocument) =>
        linkTo(request, { cursor: encodeCursor({ direction, key: [r.occurred_at, r.position] }) });
      return listPage(request, {
        count: page.count,
        next: page.has_older && last ? link('older', last) : null,
        previous: page.has_newer && first ? link('newer', first) : null,
        results: JsonDocument.array<Static<typeof AuditEvent>>(page.rows.map((r) => r.document)),
      });
    },
  );

  fastify.get(
    '/access-log',
    {
      schema: {
        tags,
        summary: 'Who from outside the account read its history, past states or audit (admins and owners)',
        description:
          'Every read of this account’s history, as-of states, audit events or snapshots by support or privileged users of another account: who (user, role, their account), what (action, record, parameters), when, and the request id. Newest first, cursor-paged. Readable by the account’s `admin` and `owner` only; append-only (no API changes or erases it).',
        querystring: AccessLogQuery,
        response: { 200: ListEnvelope(AccessLogEntry), ...errorResponses(READ_ERRORS) },
      },
    },
    async (request) => {
      const { principal } = request;
      if (!canAdministerOwnAccount(principal)) {
        throw httpError('ROLE_FORBIDDEN', `role ${principal.role} may not read the access log (admin and owner may)`);
      }
      // Their own account only, whatever else the token could reach.
      const scope = scopeFor(principal, principal.account_id);
      const size = request.query.page_size ?? 20;
      const at = request.query.cursor === undefined ? undefined : decodeCursor(request.query.cursor, [isId]);
      const page = await listAccessLog(deps.db, scope, {
        page_size: size,
        cursor: at && { direction: at.direction, id: at.key[0] },
      });
      const first = page.rows[0];
      const last = page.rows.at(-1);
      const link = (direction: 'older' | 'newer', id: number) =>
        linkTo(request, { cursor: encodeCursor({ direction, key: [id] }) });
      return listPage(request, {
        count: page.count,
        next: page.has_older && last ? link('older', last.id) : null,
        previous: page.has_newer && first ? link('newer', first.id) : null,
        results: page.rows.map(({ reader_user_id, reader_role, reader_account_id, ...r }) => ({
          ...r,
          reader: { user_id: reader_user_id, role: reader_role, account_id: reader_account_id },
        })),
      });
    },
  );

  await fastify.register(snapshotRoute, { deps });
};

export default auditRoutes;
