import { type Static, Type } from 'typebox';
import { LiteralUnion, PlatformId } from './common.ts';
import { ROLES } from './roles.ts';

/** The platform's roles (`ROLES`); what each may do is `ROLE_PERMISSIONS` in `@publisher/platform`. */
export const Role = LiteralUnion(ROLES);
export type Role = Static<typeof Role>;

/**
 * The JWT claims both APIs require. `site_ids`, when present, restricts the user to those sites.
 * `account_id` may only be left out by the roles that write any account (`developer`, `system_bot`:
 * a platform scheduler belongs to no account); the APIs refuse other roles' tokens without one.
 * Registered claims (`exp`, `iat`, `nbf`, `iss`, `aud`, …) may be present too.
 * @example
 * { sub: 'user-42', account_id: 1, role: 'editor', site_ids: [3, 4], exp: 1767225600 }
 * { sub: 'scheduler', role: 'system_bot' }
 */
export const TokenClaims = Type.Object({
  sub: Type.String({ minLength: 1, maxLength: 200 }),
  account_id: Type.Optional(PlatformId),
  role: Role,
  site_ids: Type.Optional(Type.Array(PlatformId, { maxItems: 1000 })),
});
export type TokenClaims = Static<typeof TokenClaims>;
