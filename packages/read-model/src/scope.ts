import { type Expression, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';

/**
 * What a caller may read: one account or every account (privileged roles), optionally only some
 * sites (the token's `site_ids`). Every read query of the read model goes through
 * `withTenantScope`, the one place where tenancy becomes SQL.
 */
export interface TenantScope {
  readonly account_id: number | 'any';
  /** null: every site of the account(s); an empty list sees nothing. */
  readonly site_ids: readonly number[] | null;
}

/** Thrown by `narrowScope` when a caller asks for an account it may not read. */
export class ForbiddenAccountError extends Error {
  readonly code = 'FORBIDDEN_ACCOUNT';
  constructor(readonly account_id: number) {
    super(`this token may not read account ${account_id}`);
    this.name = 'ForbiddenAccountError';
  }
}

/**
 * Applies an explicit `account_id` filter to a scope: a privileged scope narrows to that account;
 * a tenant's scope accepts only its own account.
 * @example
 * narrowScope({ account_id: 'any', site_ids: null }, 7) // { account_id: 7, site_ids: null }
 * narrowScope({ account_id: 1, site_ids: null }, 7)     // throws ForbiddenAccountError
 */
export function narrowScope(scope: TenantScope, accountId: number | undefined): TenantScope {
  if (accountId === undefined) return scope;
  if (scope.account_id === 'any') return { ...scope, account_id: accountId };
  if (scope.account_id !== accountId) throw new ForbiddenAccountError(accountId);
  return scope;
}

/**
 * The tenancy predicate of a scope over a table (or view) with `account_id` and `site_id`.
 * @example
 * db.selectFrom('deployments').where(tenantPredicate({ account_id: 1, site_ids: [3] }))
 */
export function tenantPredicate(scope: TenantScope): Expression<SqlBool> {
  const parts = [];
  if (scope.account_id !== 'any') parts.push(sql`account_id = ${scope.account_id}`);
  if (scope.site_ids !== null) parts.push(sql`site_id = any(${[...scope.site_ids]}::int[])`);
  if (parts.length === 0) return sql<SqlBool>`true`;
  return sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

/**
 * `tenantPredicate` for a row already in memory (rows fetched by id for many callers at once and
 * handed to each after this check). Must say exactly what the SQL says; a test holds them equal.
 * @example
 * if (!inTenantScope({ account_id: 1, site_ids: null }, row)) throw notFound();
 */
export function inTenantScope(scope: TenantScope, row: { account_id: number; site_id: number }): boolean {
  if (scope.account_id !== 'any' && row.account_id !== scope.account_id) return false;
  return scope.site_ids === null || scope.site_ids.includes(row.site_id);
}

/**
 * Restricts a select to what the scope may read. Every read query starts here.
 * @example
 * const q = withTenantScope(db.selectFrom('publishing_records').selectAll(), scope);
 */
export function withTenantScope<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  scope: TenantScope,
): SelectQueryBuilder<DB, TB, O> {
  return qb.where(tenantPredicate(scope));
}
