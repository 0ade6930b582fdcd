import type { Role } from '@publisher/contracts';
import type { Principal } from './auth.ts';
import { type HttpError, httpError } from './errors.ts';

/**
 * What each role may do, as data (own = the token's account, any = every account; administer =
 * the account's own settings and logs: its webhook signing secret, its access log):
 *
 * | role | read own | write own | administer own | read any | write any |
 * |---|---|---|---|---|---|
 * | viewer | yes | no | no | no | no |
 * | editor | yes | yes | no | no | no |
 * | admin, owner | yes | yes | yes | no | no |
 * | support | yes | no | no | yes | no |
 * | developer, system_bot | yes | yes | no | yes | yes |
 */
const ROLE_PERMISSIONS: Readonly<
  Record<Role, Readonly<{ writeOwn: boolean; administerOwn: boolean; readAny: boolean; writeAny: boolean }>>
> = {
  viewer: { writeOwn: false, administerOwn: false, readAny: false, writeAny: false },
  editor: { writeOwn: true, administerOwn: false, readAny: false, writeAny: false },
  admin: { writeOwn: true, administerOwn: true, readAny: false, writeAny: false },
  owner: { writeOwn: true, administerOwn: true, readAny: false, writeAny: false },
  support: { writeOwn: false, administerOwn: false, readAny: true, writeAny: false },
  developer: { writeOwn: true, administerOwn: false, readAny: true, writeAny: true },
  system_bot: { writeOwn: true, administerOwn: false, readAny: true, writeAny: true },
};

/**
 * Roles whose tokens may name no account: those that write any account (the caller names the
 * account in each create). Every other role needs `account_id`.
 */
export const ACCOUNTLESS_ROLES: readonly Role[] = (Object.keys(ROLE_PERMISSIONS) as Role[]).filter(
  (role) => ROLE_PERMISSIONS[role].writeAny,
);

/** The tenant fields every record carries. */
export interface Tenant {
  account_id: number;
  site_id: number;
}

/** True when the role may write at all (in its own account at least). */
export function canWrite(principal: Principal): boolean {
  return ROLE_PERMISSIONS[principal.role].writeOwn;
}

/**
 * True when the role administers its own account (its signing secret, its access log). No role
 * administers another account: nobody outside an account needs its secret or its log.
 */
export function canAdministerOwnAccount(principal: Principal): principal is Principal & { account_id: number } {
  return ROLE_PERMISSIONS[principal.role].administerOwn && principal.account_id !== null;
}

/** True when the role may read other accounts' records. */
export function canReadAnyAccount(principal: Principal): boolean {
  return ROLE_PERMISSIONS[principal.role].readAny;
}

/** True when the role may write other accounts' records. */
function canWriteAnyAccount(principal: Principal): boolean {
  return ROLE_PERMISSIONS[principal.role].writeAny;
}

/** True when the token's `site_ids` (if any) include the site. */
function siteAllowed(principal: Principal, siteId: number): boolean {
  return principal.site_ids === null || principal.site_ids.includes(siteId);
}

/**
 * What a caller may read: one account or every account (privileged roles), optionally only some
 * sites (the token's `site_ids`). The read model turns it into SQL (`withTenantScope`, `scopeSql`);
 * `inScope` is the same rule for one record already in hand.
 */
export interface TenantScope {
  readonly account_id: number | 'any';
  /** null: every site of the account(s); an empty list sees nothing. */
  readonly site_ids: readonly number[] | null;
}

/**
 * The principal's scope: its account (every account for the roles that read any) and its
 * `site_ids`. A token without an account reads any account only by its role; otherwise it sees
 * nothing (authentication refuses such tokens, this keeps the rule closed on its own).
 * @example
 * readScope({ role: 'editor', account_id: 1, site_ids: null, … }) // { account_id: 1, site_ids: null }
 */
export function readScope(principal: Principal): TenantScope {
  if (canReadAnyAccount(principal)) return { account_id: 'any', site_ids: principal.site_ids };
  if (principal.account_id === null) return { account_id: 'any', site_ids: [] };
  return { account_id: principal.account_id, site_ids: principal.site_ids };
}

/**
 * Whether the scope sees a record of this tenant: the rule the read model's SQL applies (a test
 * there holds them equal), for a record read from the event store, which has no row to filter.
 * @example
 * inScope({ account_id: 1, site_ids: [10] }, { account_id: 1, site_id: 20 }) // false
 */
export function inScope(scope: TenantScope, tenant: Tenant): boolean {
  return (
    (scope.account_id === 'any' || tenant.account_id === scope.account_id) &&
    (scope.site_ids === null || scope.site_ids.includes(tenant.site_id))
  );
}

/**
 * May the principal see this record at all? `inScope` of its `readScope`.
 * @example
 * if (!canRead(request.principal, record)) throw notFound();
 */
export function canRead(principal: Principal, tenant: Tenant): boolean {
  return inScope(readScope(principal), tenant);
}

/**
 * Refuses (403 ROLE_FORBIDDEN) a role that may not write anything. Call it before touching storage,
 * so a viewer learns nothing about which records exist.
 */
export function assertMayWrite(principal: Principal): void {
  if (!canWrite(principal)) throw httpError('ROLE_FORBIDDEN', `role ${principal.role} may not write`);
}

/**
 * For creates, where the account is the token's: the role must write, and the site must be within
 * the token's `site_ids` (403 SITE_FORBIDDEN otherwise).
 * @example
 * assertMayCreate(request.principal, body.site_id);
 */
export function assertMayCreate(principal: Principal, siteId: number): void {
  assertMayWrite(principal);
  if (!siteAllowed(principal, siteId)) {
    throw httpError('SITE_FORBIDDEN', `the token does not grant access to site ${siteId}`, {
      errors: { site_id: ['is not among the sites this token may use'] },
    });
  }
}

/**
 * The account a create writes into: the one the body names (`account_id`), else the token's.
 * Call it after `assertMayCreate`. Naming the token's own account is accepted for every writing
 * role (a client may always send the same body); another account only for the roles that write any
 * account (developer, system_bot), else 403 ROLE_FORBIDDEN naming `account_id`. A token without an
 * account must name one (400 VALIDATION). The record keeps this account as its tenant; the caller
 * stays the actor.
 * @example
 * const accountId = accountForCreate(request.principal, body.account_id);
 */
export function accountForCreate(principal: Principal, requested: number | undefined): number {
  if (requested === undefined) {
    if (principal.account_id !== null) return principal.account_id;
    throw httpError('VALIDATION', 'account_id is required: this token belongs to no account', {
      errors: { account_id: ['is required when the token names no account'] },
    });
  }
  if (requested === principal.account_id || canWriteAnyAccount(principal)) return requested;
  throw httpError('ROLE_FORBIDDEN', `role ${principal.role} may not create records in account ${requested}`, {
    errors: { account_id: ['may only name the token’s own account for this role'] },
  });
}

/**
 * For commands on an existing record: a record the principal may not read answers 404 (its
 * existence is not revealed), one it may read but not write answers 403.
 * @example
 * assertMayWriteRecord(request.principal, record, () => httpError('RECORD_NOT_FOUND', `publishing record ${id} not found`));
 */
export function assertMayWriteRecord(principal: Principal, tenant: Tenant, notFound: () => HttpError): void {
  if (!canRead(principal, tenant)) throw notFound();
  const own = tenant.account_id === principal.account_id;
  const allowed = own ? canWrite(principal) : canWriteAnyAccount(principal);
  if (!allowed) throw httpError('ROLE_FORBIDDEN', `role ${principal.role} may not write this record`);
}
