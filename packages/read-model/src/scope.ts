import type { TenantScope } from '@publisher/platform';
import { type Expression, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { RequestParams } from './batched-reader.ts';

/*
 * The one place where tenancy becomes SQL: `withTenantScope` for Kysely queries, `scopeSql` for the
 * batched statements of the read path. Every read-model query takes the caller's `TenantScope` (the
 * platform's `readScope` of its token) and applies it through one of them.
 */

/** Every row of every tenant: the projector's scope (it serves every tenant). */
export const EVERY_TENANT: TenantScope = Object.freeze({ account_id: 'any', site_ids: null });

/** A query was called without a valid scope (a bug in the caller, never the client's input). */
export class TenantScopeError extends TypeError {
  readonly code = 'TENANT_SCOPE_REQUIRED';
  constructor(scope: unknown) {
    super(`a read-model query needs a TenantScope; got ${JSON.stringify(scope)}`);
    this.name = 'TenantScopeError';
  }
}

const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

/**
 * The scope, checked at run time (types do not reach callers written in JavaScript, or a value
 * read from a request): a query never runs unscoped.
 * @throws TenantScopeError
 */
export function checkScope(scope: TenantScope): TenantScope {
  const s = scope as Partial<TenantScope> | null | undefined;
  if (
    typeof s !== 'object' ||
    s === null ||
    (s.account_id !== 'any' && !isId(s.account_id)) ||
    (s.site_ids !== null && !(Array.isArray(s.site_ids) && s.site_ids.every(isId)))
  ) {
    throw new TenantScopeError(scope);
  }
  return scope;
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
 * Restricts a Kysely select over a table (or view) with `account_id` and `site_id` to the scope.
 * @example
 * const q = withTenantScope(db.selectFrom('site_deployment_status').selectAll(), scope);
 */
export function withTenantScope<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  scope: TenantScope,
): SelectQueryBuilder<DB, TB, O> {
  const { account_id, site_ids } = checkScope(scope);
  const parts: Expression<SqlBool>[] = [];
  if (account_id !== 'any') parts.push(sql<SqlBool>`account_id = ${account_id}`);
  if (site_ids !== null) parts.push(sql<SqlBool>`site_id = any(${[...site_ids]}::int[])`);
  return parts.length === 0 ? qb : qb.where(sql<SqlBool>`(${sql.join(parts, sql` and `)})`);
}

/**
 * The scope as a condition on the rows `alias` of a batched statement, its values added to the
 * request's parameters. The condition's text depends only on the scope's shape (one account or
 * any; sites or not), so requests of every tenant share one statement.
 * @example
 * const where = scopeSql(scope, 'r', params); // 'r.account_id = q.p1'
 */
export function scopeSql(scope: TenantScope, alias: string, params: RequestParams): string {
  const { account_id, site_ids } = checkScope(scope);
  const parts = [];
  if (account_id !== 'any') parts.push(`${alias}.account_id = ${params.add(account_id, 'int')}`);
  if (site_ids !== null) parts.push(`${alias}.site_id = any(${params.add(`{${site_ids.join(',')}}`, 'text')}::int[])`);
  return parts.length === 0 ? 'true' : parts.join(' AND ');
}
