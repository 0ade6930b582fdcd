import type { Role } from '@publisher/contracts';
import type { Principal } from './auth.ts';
import { type HttpError, httpError } from './errors.ts';

/**
 * What each role may do, as data (own = the token's account, any = every account):
 *
 * | role | read own | write own | read any | write any |
 * |---|---|---|---|---|
 * | viewer | yes | no | no | no |
 * | editor, admin, owner | yes | yes | no | no |
 * | support | yes | no | yes | no |
 * | developer, system_bot | yes | yes | yes | yes |
 */
const ROLE_PERMISSIONS: Readonly<Record<Role, Readonly<{ writeOwn: boolean; readAny: boolean; writeAny: boolean }>>> = {
  viewer: { writeOwn: false, readAny: false, writeAny: false },
  editor: { writeOwn: true, readAny: false, writeAny: false },
  admin: { writeOwn: true, readAny: false, writeAny: false },
  owner: { writeOwn: true, readAny: false, writeAny: false },
  support: { writeOwn: false, readAny: true, writeAny: false },
  developer: { writeOwn: true, readAny: true, writeAny: true },
  system_bot: { writeOwn: true, readAny: true, writeAny: true },
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
 * May the principal see this record at all? Own account (or any account for support, developer,
 * system_bot), and a site within `site_ids` when the token has them.
 * @example
 * if (!canRead(request.principal, record)) throw notFound();
 */
export function canRead(principal: Principal, tenant: Tenant): boolean {
  const accountOk = tenant.account_id === principal.account_id || canReadAnyAccount(principal);
  return accountOk && siteAllowed(principal, tenant.site_id);
}

/**
 * The filter every read query applies, in one place: `account_id` null means any account;
 * `site_ids` null means any site.
 * @example
 * const scope = readScope(request.principal);
 * if (scope.account_id !== null) query = query.where('account_id', '=', scope.account_id);
 * if (scope.site_ids !== null) query = query.where('site_id', 'in', scope.site_ids);
 */
export function readScope(principal: Principal): { account_id: number | null; site_ids: readonly number[] | null } {
  return { account_id: canReadAnyAccount(principal) ? null : principal.account_id, site_ids: principal.site_ids };
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
