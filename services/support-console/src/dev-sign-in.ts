import { ErrorEnvelope, PlatformId, Role, SuccessEnvelope } from '@publisher/contracts';
import { DEVELOPMENT_JWT_SECRET, httpError, success } from '@publisher/platform';
import { createSigner } from 'fast-jwt';
import type { FastifyPluginAsync } from 'fastify';
import { type Static, Type } from 'typebox';

/** How long a development token lasts: a working day. */
const TOKEN_TTL_MS = 8 * 3600_000;
/** Roles whose tokens may belong to no account (as `pnpm token`). */
const ACCOUNTLESS_ROLES = new Set(['developer', 'system_bot']);

export const DevSignInBody = Type.Object(
  {
    account_id: Type.Optional(PlatformId),
    role: Role,
    site_ids: Type.Optional(Type.Array(PlatformId, { minItems: 1, maxItems: 50, uniqueItems: true })),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._@-]+$' })),
  },
  { additionalProperties: false },
);
export type DevSignInBody = Static<typeof DevSignInBody>;

const DevSignInResult = SuccessEnvelope(Type.Object({ token: Type.String(), expires_at: Type.String() }));

/**
 * `POST /dev/sign-in`: mints a token signed with the development secret, exactly what
 * `pnpm --silent token` prints. Registered only when `config.devSignIn` holds (the APIs use that
 * secret and NODE_ENV is not production); otherwise the route does not exist (404).
 */
const devSignIn: FastifyPluginAsync = async (fastify) => {
  const sign = createSigner({ key: DEVELOPMENT_JWT_SECRET, algorithm: 'HS256', expiresIn: TOKEN_TTL_MS });
  fastify.post<{ Body: DevSignInBody }>(
    '/dev/sign-in',
    {
      schema: {
        body: DevSignInBody,
        response: { 200: DevSignInResult, 400: ErrorEnvelope },
      },
    },
    async (request) => {
      const { account_id, role, site_ids, user } = request.body;
      if (account_id === undefined && !ACCOUNTLESS_ROLES.has(role)) {
        throw httpError('VALIDATION', `an account is required for role ${role}`, {
          errors: { 'body.account_id': ['required for this role'] },
        });
      }
      const claims: Record<string, unknown> = { sub: user ?? (account_id ? `user-${account_id}` : role), role };
      if (account_id !== undefined) claims.account_id = account_id;
      if (site_ids !== undefined) claims.site_ids = site_ids;
      const token = sign(claims);
      return success(request, { token, expires_at: new Date(Date.now() + TOKEN_TTL_MS).toISOString() });
    },
  );
};

export default devSignIn;
