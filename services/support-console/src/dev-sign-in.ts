import { PATTERN_MESSAGE, PlatformId, Role, SuccessEnvelope } from '@publisher/contracts';
import {
  createTokenSigner,
  DEVELOPMENT_JWT_SECRET,
  errorResponses,
  httpError,
  type JwtPolicy,
  requestedClaims,
  success,
  type TypeBoxFastify,
} from '@publisher/platform';
import { Type } from 'typebox';

/** How long a development token lasts: a working day, or less when JWT_MAX_TTL_SECONDS says so. */
const TOKEN_TTL_SECONDS = 8 * 3600;

const DevSignInBody = Type.Object(
  {
    account_id: Type.Optional(PlatformId),
    role: Role,
    site_ids: Type.Optional(Type.Array(PlatformId, { minItems: 1, maxItems: 50, uniqueItems: true })),
    user: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        pattern: '^[A-Za-z0-9._@-]+$',
        [PATTERN_MESSAGE]: 'must be letters, digits, ., _, @ or -',
      }),
    ),
  },
  { additionalProperties: false },
);

const DevSignInResult = SuccessEnvelope(Type.Object({ token: Type.String(), expires_at: Type.String() }));

/**
 * `POST /dev/sign-in`: mints a token signed with the development secret, exactly what
 * `pnpm --silent token` prints, with the `iss` / `aud` the APIs' JWT policy requires. Registered
 * only when `config.devSignIn` holds (the APIs use that secret and NODE_ENV is not production);
 * otherwise the route does not exist (404).
 */
const devSignIn = async (fastify: TypeBoxFastify, { policy }: { policy: JwtPolicy }) => {
  const ttlSeconds = Math.min(TOKEN_TTL_SECONDS, policy.maxTokenTtlSeconds);
  const sign = createTokenSigner({ secret: DEVELOPMENT_JWT_SECRET, policy, ttlSeconds });
  // JSON only, as on the APIs: a text/plain body is a 415, not a string that fails validation later.
  // Removed in this plugin's scope alone: the API proxy passes bodies on as they are.
  fastify.removeContentTypeParser('text/plain');
  fastify.post(
    '/dev/sign-in',
    {
      schema: {
        body: DevSignInBody,
        response: { 200: DevSignInResult, ...errorResponses([400, 415]) },
      },
    },
    async (request) => {
      const { account_id, role, site_ids, user } = request.body;
      const claims = requestedClaims({ role, account_id, site_ids, sub: user });
      if (claims === null) {
        throw httpError('VALIDATION', `an account is required for role ${role}`, {
          errors: { account_id: ['is required for this role'] },
        });
      }
      const token = sign(claims);
      return success(request, { token, expires_at: new Date(Date.now() + ttlSeconds * 1000).toISOString() });
    },
  );
};

export default devSignIn;
