import { type Static, Type } from 'typebox';
import { DateTime, PlatformId } from './common.ts';

/**
 * `GET webhook-signing-secret` and `POST webhook-signing-secret/rotate`: the account's Standard
 * Webhooks signing secret (`whsec_…`), for its admins and owners only.
 */
export const WebhookSigningSecret = Type.Object({
  account_id: PlatformId,
  /** Deliveries are signed with this secret (`webhook-signature: v1,…`). */
  secret: Type.String({ pattern: '^whsec_' }),
  created_at: DateTime,
  /** Until then deliveries also carry a signature with the previous secret; null: none. */
  previous_expires_at: Type.Union([DateTime, Type.Null()]),
});
export type WebhookSigningSecret = Static<typeof WebhookSigningSecret>;

/** `POST webhook-signing-secret/rotate`. */
export const RotateWebhookSigningSecretBody = Type.Object(
  {
    /** How long the previous secret keeps signing, in seconds (default 86400; 0: stop now). */
    grace_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 7 * 86400 })),
  },
  { additionalProperties: false },
);
export type RotateWebhookSigningSecretBody = Static<typeof RotateWebhookSigningSecretBody>;
