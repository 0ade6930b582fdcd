import type { SuccessEnvelopeOf } from '@publisher/contracts';
import type pg from 'pg';
import { COMMAND_API_SCHEMA } from '../schema.ts';
import type { RecordRef, ResponseRef } from './restore.ts';

const TABLE = `${COMMAND_API_SCHEMA}.idempotency_keys`;

/** A response worth replaying. */
export interface StoredResponse<Body = unknown> {
  status: number;
  body: Body;
  headers: Record<string, string>;
  /**
   * The records the body shows (creates set it): a body larger than `maxResponseBytes` is then
   * stored as these references and rebuilt from the event store on replay.
   */
  records?: { shape: ResponseRef['shape']; refs: RecordRef[] };
}

/** What claiming a key found. */
type Claim =
  | { kind: 'claimed'; recovering: boolean; nonce: string }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

export interface IdempotencyStore {
  /** Claims `key` for this request, or says why not. */
  claim(accountId: number, key: string, requestHash: string): Promise<Claim>;
  /** Stores the response of a claimed key: a success envelope (only successes are kept). */
  complete(accountId: number, key: string, response: StoredResponse<SuccessEnvelopeOf<unknown>>): Promise<void>;
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
  /**
   * Largest body (characters of its JSON) stored as it is; a larger one with `records` is stored
   * as references (`ResponseRef`, a few hundred bytes). Default: no limit.
   */
  maxResponseBytes?: number;
  /** Rebuilds a body stored by reference (`restoreResponseBody` over the event store). */
  restoreBody?: (ref: ResponseRef) => Promise<unknown>;
}

/** The envelope fields a reference keeps besides the records. */
function envelopeFields({ request_id, message }: SuccessEnvelopeOf<unknown>): { request_id: string; message?: string } {
  return message === undefined ? { request_id } : { request_id, message };
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
                 response = NULL, response_ref = NULL, headers = NULL, locked_until = EXCLUDED.locked_until, created_at = now(),
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
          response_ref: ResponseRef | null;
          headers: Record<string, string> | null;
          expired_lease: boolean;
        }>(
          `SELECT request_hash, state, status_code, response, response_ref, headers, locked_until < now() AS expired_lease
             FROM ${TABLE} WHERE account_id = $1 AND key = $2`,
          [accountId, key],
        );
        const row = rows[0];
        if (!row) continue; // released between the two statements: try again
        if (row.request_hash !== requestHash) return { kind: 'mismatch' };
        if (row.state === 'completed' && row.status_code !== null) {
          const body =
            row.response_ref && options.restoreBody ? await options.restoreBody(row.response_ref) : row.response;
          return { kind: 'replay', response: { status: row.status_code, body, headers: row.headers ?? {} } };
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
      const body = JSON.stringify(response.body);
      // Kept as it is when small (the usual case); by reference when large, so a row stays a few
      // hundred bytes whatever the records' metadata weigh.
      const byReference = response.records !== undefined && body.length > (options.maxResponseBytes ?? Infinity);
      const ref: ResponseRef | null =
        byReference && response.records
          ? { shape: response.records.shape, records: response.records.refs, ...envelopeFields(response.body) }
          : null;
      await pool.query(
        `UPDATE ${TABLE} SET state = 'completed', status_code = $3, response = $4, response_ref = $5, headers = $6
          WHERE account_id = $1 AND key = $2`,
        [
          accountId,
          key,
          response.status,
          ref ? null : body,
          ref ? JSON.stringify(ref) : null,
          JSON.stringify(response.headers),
        ],
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
