import { createHmac, randomBytes } from 'node:crypto';

/** Standard Webhooks' headers (https://www.standardwebhooks.com). */
export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

const PREFIX = 'whsec_';

/**
 * A new signing secret in Standard Webhooks' format: `whsec_` + base64 of 32 random bytes.
 * @example
 * generateSigningSecret() // 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw…'
 */
export function generateSigningSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/**
 * `webhook-signature`'s value: `v1,<base64 HMAC-SHA256 over "<id>.<timestamp>.<body>">` per secret,
 * space-separated, so a receiver holding either the new or the retiring secret verifies during a
 * rotation.
 * @example
 * signStandardWebhook(['whsec_…'], 'msg_1', 1714560000, body) // 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4='
 */
export function signStandardWebhook(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets
    .map((secret) => `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`)
    .join(' ');
}
