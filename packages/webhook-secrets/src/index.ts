/**
 * @publisher/webhook-secrets — each account's webhook signing secrets (Standard Webhooks), held
 * server-side in PostgreSQL: the command API hands them to the account's admins and rotates them,
 * the publishing worker signs with them. See ../README.md.
 */
export { migrateWebhookSecrets } from './schema.ts';
export {
  signStandardWebhook,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './standard-webhooks.ts';
export { createWebhookSecretStore, type SigningSecrets, type WebhookSecretStore } from './store.ts';
