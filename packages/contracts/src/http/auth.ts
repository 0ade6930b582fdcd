import { type Static, Type } from 'typebox';
import { PlatformId } from './common.ts';
import type { ROLES } from './roles.ts';

/** The platform's roles; what each may do is `ROLE_PERMISSIONS` in `@publisher/platform`. */
export const Role = Type.Union([
  Type.Literal('viewer'),
  Type.Literal('editor'),
  Type.Literal('admin'),
  Type.Literal('owner'),
  Type.Literal('support'),
  Type.Literal('developer'),
  Type.Literal('system_bot'),
]);
export type Role = Static<typeof Role>;

/**
 * `ROLES` (a module without imports, for the console's page and the token script) names exactly
 * these: a role added to one and not the other does not compile. TypeBox keeps a union's literal
 * types only when they are written out, hence the two lists.
 */
const ROLES_ARE_THE_SCHEMAS: [Role, (typeof ROLES)[number]] extends [(typeof ROLES)[number], Role] ? true : never =
  true;
void ROLES_ARE_THE_SCHEMAS;

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
