/**
 * The platform's roles; what each may do is `ROLE_PERMISSIONS` in `@publisher/platform`. Its own
 * module with no imports, so the support console's browser bundle and the token script can list
 * them without the rest of this package.
 */
export const ROLES = ['viewer', 'editor', 'admin', 'owner', 'support', 'developer', 'system_bot'] as const;
