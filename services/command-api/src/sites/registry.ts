import { httpError } from '@publisher/platform';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import { COMMAND_API_SCHEMA } from '../schema.ts';

const TABLE = `${COMMAND_API_SCHEMA}.sites`;

/**
 * How the API knows which account a site belongs to (SITE_REGISTRY):
 *
 * - `off` — nothing is checked: a create may name any site id, in the account it creates in (the
 *   token's; developer and system_bot may name another). What is trusted then: the platform's site
 *   ids as the writer states them. Every read is scoped by account, so another account's records
 *   naming your site id never appear in your reads; but only a read scoped by account tells them apart.
 * - `claim` — the first create naming a site claims it for the account it creates in
 *   (`command_api.sites`); creates naming it in another account are refused (403 SITE_FORBIDDEN).
 * - `managed` — only sites an operator registered (rows of `command_api.sites`) may be used, each
 *   by its own account; an unknown site is refused too.
 */
export type SiteRegistryMode = 'off' | 'claim' | 'managed';

export const SITE_REGISTRY_MODES: readonly SiteRegistryMode[] = ['off', 'claim', 'managed'];

export interface SiteRegistry {
  readonly mode: SiteRegistryMode;
  /** Resolves when `siteId` is (or, in `claim` mode, has just become) a site of `accountId`; else 403. */
  assertSiteOfAccount(accountId: number, siteId: number): Promise<void>;
}

const refused = (accountId: number, siteId: number, why: string) =>
  httpError('SITE_FORBIDDEN', `site ${siteId} is not a site of account ${accountId}`, {
    errors: { site_id: [why] },
  });

/**
 * The registry for `mode`. Owners are cached (bounded, 60 s) since a site rarely changes hands:
 * a create then costs no extra round trip; an operator's reassignment takes effect within a minute.
 * @example
 * const sites = createSiteRegistry(pool, 'claim');
 * await sites.assertSiteOfAccount(accountForCreate(request.principal, body.account_id), body.site_id);
 */
export function createSiteRegistry(pool: pg.Pool, mode: SiteRegistryMode): SiteRegistry {
  if (mode === 'off') return { mode, assertSiteOfAccount: async () => {} };
  const owners = new LRUCache<number, number>({ max: 100_000, ttl: 60_000 });

  async function ownerOf(siteId: number): Promise<number | null> {
    const { rows } = await pool.query<{ account_id: string }>(`SELECT account_id FROM ${TABLE} WHERE site_id = $1`, [
      siteId,
    ]);
    return rows[0] ? Number(rows[0].account_id) : null;
  }

  /** Claims the site for the account unless someone has it; returns the owner either way. */
  async function claim(accountId: number, siteId: number): Promise<number> {
    for (;;) {
      const { rows } = await pool.query<{ account_id: string }>(
        `INSERT INTO ${TABLE} (site_id, account_id, source) VALUES ($1, $2, 'claimed')
         ON CONFLICT (site_id) DO NOTHING RETURNING account_id`,
        [siteId, accountId],
      );
      if (rows[0]) return Number(rows[0].account_id);
      // Someone holds it (possibly a claim that committed a moment ago): read it.
      const owner = await ownerOf(siteId);
      if (owner !== null) return owner;
    }
  }

  return {
    mode,
    async assertSiteOfAccount(accountId, siteId) {
      let owner = owners.get(siteId) ?? null;
      if (owner === null) {
        owner = mode === 'claim' ? await claim(accountId, siteId) : await ownerOf(siteId);
        if (owner === null) throw refused(accountId, siteId, 'is not a registered site');
        owners.set(siteId, owner);
      }
      if (owner !== accountId) throw refused(accountId, siteId, 'belongs to another account');
    },
  };
}
