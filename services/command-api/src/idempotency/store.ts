import type pg from 'pg';
import { COMMAND_API_SCHEMA } from './schema.ts';

const TABLE = `${COMMAND_API_SCHEMA}.idempotency_keys`;

/** A response worth replaying. */
export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** What claiming a key found. */
export type Claim =
  | { kind: 'claimed'; recovering: boolean; nonce: string }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

export interface IdempotencyStore {
  /** Claims `key` for this request, or says why not. */
  claim(accountId: number, key: string, requestHash: string): Promise<Claim>;
  /** Stores the response of a claimed key. */
  complete(accountId: number, key: string, response: StoredResponse): Promise<void>;
  /**
   * Gives a claimed key up (the command failed), so the client may retry it: the same request then
   * takes the claim over in recovery mode with the same nonce (what the failed attempt created is
   * found again, not duplicated); another request with that key stays a 422 until the key expires.
   */
  release(accountId: number, key: string): Promise<void>;
  /** Deletes keys older than the TTL; returns how many. */
  purge(): Promise<number>;
}

export interface IdempotencyStoreOptions {
  ttlHours: number;
  /** How long a claim stays exclusive before another request may take it over. Default 30 s. */
  leaseSeconds?: number;
}

/**
 * Idempotency keys in PostgreSQL, scoped by account. A claim is an insert; a second request finds
 * the row and gets the stored response (same request hash), a 422 (different hash) or a 409 (the
 * first is still running). A claim whose lease ran out (its process died) is taken over, and the
 * command then runs in recovery mode, reading back what the first attempt may have stored.
 * @example
 * const claim = await idempotency.claim(accountId, key, hash);
 */
export function createIdempotencyStore(pool: pg.Pool, options: IdempotencyStoreOptions): IdempotencyStore {
  const ttl = `${options.ttlHours} hours`;
  const lease = `${options.leaseSeconds ?? 30} seconds`;
  return {
    async claim(accountId, key, requestHash) {
      for (let round = 0; round < 3; round++) {
        // Expired keys behave as absent: the insert replaces them.
        const inserted = await pool.query<{ nonce: string }>(
          `INSERT INTO ${TABLE} AS k (account_id, key, request_hash, state, locked_until)
             VALUES ($1, $2, $3, 'in_progress', now() + $4::interval)
           ON CONFLICT (account_id, key) DO UPDATE
             SET request_hash = EXCLUDED.request_hash, state = 'in_progress', status_code = NULL,
                 response = NULL, headers = NULL, locked_until = EXCLUDED.locked_until, created_at = now(),
                 nonce = gen_random_uuid()
             WHERE k.created_at < now() - $5::interval
           RETURNING nonce`,
          [accountId, key, requestHash, lease, ttl],
        );
        const fresh = inserted.rows[0];
        if (fresh) return { kind: 'claimed', recovering: false, nonce: fresh.nonce };

        const { rows } = await pool.query<{
          request_hash: string;
          state: string;
          status_code: number | null;
          response: unknown;
          headers: Record<string, string> | null;
          expired_lease: boolean;
        }>(
          `SELECT request_hash, state, status_code, response, headers, locked_until < now() AS expired_lease
             FROM ${TABLE} WHERE account_id = $1 AND key = $2`,
          [accountId, key],
        );
        const row = rows[0];
        if (!row) continue; // released between the two statements: try again
        if (row.request_hash !== requestHash) return { kind: 'mismatch' };
        if (row.state === 'completed' && row.status_code !== null) {
          return {
            kind: 'replay',
            response: { status: row.status_code, body: row.response, headers: row.headers ?? {} },
          };
        }
        if (!row.expired_lease) return { kind: 'in_progress' };
        const taken = await pool.query<{ nonce: string }>(
          `UPDATE ${TABLE} SET locked_until = now() + $3::interval
            WHERE account_id = $1 AND key = $2 AND state = 'in_progress' AND locked_until < now()
            RETURNING nonce`,
          [accountId, key, lease],
        );
        const resumed = taken.rows[0];
        if (resumed) return { kind: 'claimed', recovering: true, nonce: resumed.nonce };
      }
      return { kind: 'in_progress' };
    },

    async complete(accountId, key, response) {
      await pool.query(
        `UPDATE ${TABLE} SET state = 'completed', status_code = $3, response = $4, headers = $5
          WHERE account_id = $1 AND key = $2`,
        [accountId, key, response.status, JSON.stringify(response.body), JSON.stringify(response.headers)],
      );
    },

    async release(accountId, key) {
      // End the lease rather than delete the row: the nonce must survive for the retry.
      await pool.query(
        `UPDATE ${TABLE} SET locked_until = now() - interval '1 millisecond'
          WHERE account_id = $1 AND key = $2 AND state = 'in_progress'`,
        [accountId, key],
      );
    },

    async purge() {
      const res = await pool.query(`DELETE FROM ${TABLE} WHERE created_at < now() - $1::interval`, [ttl]);
      return res.rowCount ?? 0;
    },
  };
}
