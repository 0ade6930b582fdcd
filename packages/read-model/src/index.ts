/**
 * @publisher/read-model — the read side's PostgreSQL tables, migrations and the query functions the
 * projector and the read API share. Every read goes through `withTenantScope`.
 */
export * from './access-log.ts';
export * from './audit-copy.ts';
export * from './audit-events.ts';
export * from './checkpoints.ts';
export * from './connect.ts';
export * from './database.ts';
export * from './deployments.ts';
export * from './documents.ts';
export * from './keyset-page.ts';
export * from './list-query.ts';
export * from './migrate.ts';
export * from './projection-store.ts';
export * from './publishing-records.ts';
export * from './rows.ts';
export * from './schema-sql.ts';
export * from './scope.ts';
export * from './site-status.ts';
