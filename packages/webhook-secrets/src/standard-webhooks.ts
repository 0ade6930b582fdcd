import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

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

/**
 * For receivers without a Standard Webhooks library: true when one of the `v1` signatures matches
 * and the timestamp is within `toleranceSeconds` (default 300). Constant-time.
 * @example
 * verifyStandardWebhook(secret, { id, timestamp, signature }, rawBody)
 */
export function verifyStandardWebhook(
  secret: string,
  headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
  body: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signStandardWebhook([secret], id, Number(timestamp), body));
  return signature.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
