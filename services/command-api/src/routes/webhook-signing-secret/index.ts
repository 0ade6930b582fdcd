import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  RotateWebhookSigningSecretBody,
  type WebhookSigningSecret as SecretRepresentation,
  SuccessEnvelope,
  WebhookSigningSecret,
} from '@publisher/contracts';
import {
  canAdministerOwnAccount,
  errorResponses,
  httpError,
  type Principal,
  READ_ERRORS,
  success,
} from '@publisher/platform';
import type { SigningSecrets, WebhookSecretStore } from '@publisher/webhook-secrets';
import { COMMAND_ERRORS, emptyBodyAsObject } from '../responses.ts';

const tags = ['webhook signing secret'];
const DEFAULT_GRACE_SECONDS = 86_400;

/**
 * Only the account's admins and owners, for their own account, with a token not restricted to some
 * sites: the secret signs every delivery of the account, so whoever holds it can forge any of them.
 * Privileged roles (support, developer, system_bot) are refused too: nobody outside the account
 * needs the secret, and the worker reads it from the database, not through the API.
 */
function accountManagedBy(principal: Principal): number {
  if (!canAdministerOwnAccount(principal)) {
    throw httpError('ROLE_FORBIDDEN', 'only an admin or owner of the account may manage its webhook signing secret');
  }
  if (principal.site_ids !== null) {
    throw httpError('ROLE_FORBIDDEN', 'a token restricted to some sites may not manage the account’s signing secret');
  }
  return principal.account_id;
}

function represent(secrets: SigningSecrets): SecretRepresentation {
  const last = secrets.retiring.map((r) => r.expires_at.getTime()).sort((a, b) => b - a)[0];
  return {
    account_id: secrets.account_id,
    secret: secrets.current.secret,
    created_at: secrets.current.created_at.toISOString(),
    previous_expires_at: last === undefined ? null : new Date(last).toISOString(),
  };
}

/** `GET webhook-signing-secret`, `POST webhook-signing-secret/rotate` (the token's account). */
const webhookSigningSecretRoutes: FastifyPluginAsyncTypebox<{ secrets: WebhookSecretStore }> = async (
  fastify,
  { secrets },
) => {
  // A secret must not linger in shared caches or browser history.
  fastify.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  fastify.get(
    '/',
    {
      schema: {
        tags,
        summary: 'The account’s webhook signing secret (created on first use); admins and owners only',
        response: { 200: SuccessEnvelope(WebhookSigningSecret), ...errorResponses(READ_ERRORS) },
      },
    },
    async (request) => {
      const account = accountManagedBy(request.principal);
      return success(request, represent(await secrets.get(account)));
    },
  );

  fastify.post(
    '/rotate',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags,
        summary: 'Replace the account’s webhook signing secret; the previous one keeps signing for grace_seconds',
        body: RotateWebhookSigningSecretBody,
        response: { 200: SuccessEnvelope(WebhookSigningSecret), ...errorResponses(COMMAND_ERRORS) },
      },
    },
    async (request) => {
      const account = accountManagedBy(request.principal);
      const grace = request.body.grace_seconds ?? DEFAULT_GRACE_SECONDS;
      return success(request, represent(await secrets.rotate(account, grace)));
    },
  );
};

export default webhookSigningSecretRoutes;
