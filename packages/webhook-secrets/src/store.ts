import { withAdvisoryXactLock } from '@publisher/coordination';
import type pg from 'pg';
import { WEBHOOK_SECRETS_TABLE } from './schema.ts';
import { generateSigningSecret } from './standard-webhooks.ts';

/** An account's signing secrets as the worker signs with them. */
export interface SigningSecrets {
  account_id: number;
  /** The secret deliveries are signed with from now on. */
  current: { secret: string; created_at: Date };
  /** Retired by a rotation but still signing until `expires_at`, so receivers can switch over. */
  retiring: Array<{ secret: string; expires_at: Date }>;
}

export interface WebhookSecretStore {
  /** The account's secrets, creating its first one on first use. */
  get(accountId: number): Promise<SigningSecrets>;
  /**
   * Makes a new current secret; the previous one keeps signing for `graceSeconds` (0: stops now).
   * Secrets retired earlier are cut to end no later than the new grace period.
   */
  rotate(accountId: number, graceSeconds: number): Promise<SigningSecrets>;
}

interface Row {
  secret: string;
  created_at: Date;
  expires_at: Date | null;
}

/**
 * Signing secrets per account in PostgreSQL (`webhook_secrets.signing_secrets`), never in events,
 * read models or Kafka. Expired rows are deleted by the next rotation of the account.
 *
 * @example
 * const secrets = createWebhookSecretStore(pool);
 * const { current } = await secrets.get(accountId);
 */
export function createWebhookSecretStore(pool: pg.Pool): WebhookSecretStore {
  const read = async (db: pg.Pool | pg.PoolClient, accountId: number): Promise<Row[]> =>
    (
      await db.query<Row>(
        `SELECT secret, created_at, expires_at FROM ${WEBHOOK_SECRETS_TABLE}
          WHERE account_id = $1 AND (expires_at IS NULL OR expires_at > now())
          ORDER BY expires_at DESC NULLS FIRST`,
        [accountId],
      )
    ).rows;
  const shape = (accountId: number, rows: Row[]): SigningSecrets | null => {
    const current = rows.find((r) => r.expires_at === null);
    if (!current) return null;
    return {
      account_id: accountId,
      current: { secret: current.secret, created_at: current.created_at },
      retiring: rows
        .filter((r) => r.expires_at !== null)
        .map((r) => ({ secret: r.secret, expires_at: r.expires_at as Date })),
    };
  };

  return {
    async get(accountId) {
      const found = shape(accountId, await read(pool, accountId));
      if (found) return found;
      // Concurrent first uses race to the unique index; the loser reads the winner's secret.
      await pool.query(
        `INSERT INTO ${WEBHOOK_SECRETS_TABLE} (account_id, secret) VALUES ($1, $2)
           ON CONFLICT (account_id) WHERE expires_at IS NULL DO NOTHING`,
        [accountId, generateSigningSecret()],
      );
      const created = shape(accountId, await read(pool, accountId));
      if (!created) throw new Error(`no signing secret for account ${accountId} after creating one`);
      return created;
    },
    async rotate(accountId, graceSeconds) {
      // One rotation of an account at a time: a second at once would fail on the one-current-secret index.
      return withAdvisoryXactLock(pool, `webhook-secrets:rotate:${accountId}`, async (client) => {
        await client.query(`DELETE FROM ${WEBHOOK_SECRETS_TABLE} WHERE account_id = $1 AND expires_at <= now()`, [
          accountId,
        ]);
        const grace = `${graceSeconds} seconds`;
        await client.query(
          `UPDATE ${WEBHOOK_SECRETS_TABLE}
              SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), now() + $2::interval)
            WHERE account_id = $1`,
          [accountId, grace],
        );
        await client.query(`INSERT INTO ${WEBHOOK_SECRETS_TABLE} (account_id, secret) VALUES ($1, $2)`, [
          accountId,
          generateSigningSecret(),
        ]);
        return shape(accountId, await read(client, accountId))!;
      });
    },
  };
}
