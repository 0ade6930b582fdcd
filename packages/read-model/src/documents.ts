import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely';

/** Filters both record kinds share. Ranges: `*_after` is inclusive, `*_before` exclusive. */
export interface CommonFilters {
  site_id?: number;
  sector_id?: number;
  created_after?: string;
  created_before?: string;
  updated_after?: string;
  updated_before?: string;
}

/** 1-based page and its size. */
export interface PageRequest {
  page: number;
  page_size: number;
}

export interface ListResult<Row> {
  /** Matching rows across all pages. */
  count: number;
  rows: Row[];
}

/** `field` ascending or `-field` descending. */
export type Ordering<Field extends string> = Field | `-${Field}`;

/**
 * Adds the shared filters to a select. Columns are referenced by name, so this works on any table
 * with `site_id`, `sector_id`, `created_at` and `updated_at`.
 */
export function withCommonFilters<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  f: CommonFilters,
): SelectQueryBuilder<DB, TB, O> {
  let q = qb;
  if (f.site_id !== undefined) q = q.where(sql<SqlBool>`site_id = ${f.site_id}`);
  if (f.sector_id !== undefined) q = q.where(sql<SqlBool>`sector_id = ${f.sector_id}`);
  if (f.created_after !== undefined) q = q.where(sql<SqlBool>`created_at >= ${f.created_after}::timestamptz`);
  if (f.created_before !== undefined) q = q.where(sql<SqlBool>`created_at < ${f.created_before}::timestamptz`);
  if (f.updated_after !== undefined) q = q.where(sql<SqlBool>`updated_at >= ${f.updated_after}::timestamptz`);
  if (f.updated_before !== undefined) q = q.where(sql<SqlBool>`updated_at < ${f.updated_before}::timestamptz`);
  return q;
}

/**
 * Orders by the requested field, then by id in the same direction, so pages are stable even when
 * many rows share a timestamp.
 */
export function withOrdering<DB, TB extends keyof DB, O>(
  qb: SelectQueryBuilder<DB, TB, O>,
  ordering: Ordering<string>,
): SelectQueryBuilder<DB, TB, O> {
  const desc = ordering.startsWith('-');
  const field = desc ? ordering.slice(1) : ordering;
  const dir = desc ? sql`desc` : sql`asc`;
  return qb.orderBy(sql`${sql.ref(field)} ${dir}`).orderBy(sql`id ${dir}`);
}

/** Offset of a page (pages are 1-based). */
export const pageOffset = (p: PageRequest): number => (p.page - 1) * p.page_size;
