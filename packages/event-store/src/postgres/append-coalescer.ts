import { BatchQueue } from '@publisher/coordination';
import { isDatabaseUnavailable } from '@publisher/platform/database-errors';
import type pg from 'pg';
import { AppendQueueFullError } from '../errors.ts';
import type { ExpectedRevision, NewEvent } from '../port.ts';
import {
  type AppendOutcome,
  type AppendRow,
  appendEvents,
  eventsPayload,
  expectedToSql,
  settleAppendRow,
  validateAppend,
} from './append.ts';

export interface AppendCoalescerOptions {
  pool: pg.Pool;
  schemaSql: string;
  /** Prepared-statement names (per schema) of the single append and of the batch. */
  singleStatement: string;
  batchStatement: string;
  /** Appends (single or batched calls) in flight at once; further ones queue. At least 1. */
  maxInFlight: number;
  /** Most appends sent in one batched call. */
  maxBatchSize: number;
  /**
   * Bytes (characters of the events' JSON) that may wait in the queue; an append beyond them fails
   * at once with AppendQueueFullError instead of waiting. An append alone in the queue is always
   * accepted, however large. Default: unbounded.
   */
  maxQueuedBytes?: number;
  /** Told the size of every call it sends (1 for a lone append): the group-commit metric. */
  onBatch?: (size: number) => void;
}

interface Member {
  stream: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  /** The events as the JSON the statement takes, computed once. */
  payload: string;
  resolve: (outcome: AppendOutcome) => void;
  reject: (err: unknown) => void;
}

interface BatchRow extends AppendRow {
  ord: number;
}

/**
 * Group commit for appends. Up to `maxInFlight` appends go to PostgreSQL as they come, each its own
 * call of `append_to_stream`; while all those slots are busy, new appends queue, and when a slot
 * frees the whole queue goes as ONE call of `append_batch`: one round trip and one commit (one WAL
 * flush) for all of them, where each member still gets its own version check and its own result.
 *
 * Safety, member by member, is that of a single append:
 * - a member's conflict is reported as ok = false and does not affect the others (then settled like
 *   a single append: a re-sent append gets its original result, anything else WRONG_EXPECTED_VERSION);
 * - any error of the batch (duplicate event id, invalid JSON text, deadlock, …) rolls the whole
 *   batch back and its members are appended one by one, so only the faulty one fails; a connection
 *   error instead fails every member at once, as it would have failed each of them (a re-sent
 *   append is safe either way, since the ids decide);
 * - blind appends (`any`, `stream_exists`) are never batched: their advisory lock must be taken
 *   before the transaction has an id (see `append_to_stream`), which a batch cannot promise;
 * - members are sorted by stream before the call, so batches running at once (other processes,
 *   other slots) take row locks in one order and cannot deadlock each other.
 *
 * The queue is bounded in bytes (`maxQueuedBytes`): when PostgreSQL falls behind, further appends
 * fail at once with AppendQueueFullError (the API's 503 with Retry-After) rather than piling up in
 * memory while their clients time out.
 */
export class AppendCoalescer {
  readonly #opts: AppendCoalescerOptions;
  readonly #members: BatchQueue<Member>;
  #queuedBytes = 0;

  constructor(opts: AppendCoalescerOptions) {
    this.#opts = opts;
    this.#members = new BatchQueue({
      maxInFlight: opts.maxInFlight,
      maxBatch: opts.maxBatchSize,
      send: (members) => this.#send(members),
    });
  }

  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendOutcome> {
    const { pool, schemaSql, singleStatement } = this.#opts;
    if (expected === 'any' || expected === 'stream_exists') {
      return appendEvents(pool, schemaSql, singleStatement, stream, events, expected);
    }
    let payload: string;
    try {
      validateAppend(stream, events);
      expectedToSql(expected);
      payload = eventsPayload(events);
    } catch (err) {
      return Promise.reject(err);
    }
    const limit = this.#opts.maxQueuedBytes ?? Number.POSITIVE_INFINITY;
    // Only a queue that would wait counts: with a free slot the append goes out at once.
    if (this.#members.full && this.#members.waiting > 0 && this.#queuedBytes + payload.length > limit) {
      return Promise.reject(new AppendQueueFullError(this.#queuedBytes));
    }
    return new Promise<AppendOutcome>((resolve, reject) => {
      this.#queuedBytes += payload.length;
      this.#members.push({ stream, events, expected, payload, resolve, reject });
    });
  }

  /** Bytes of appends waiting for a slot (for tests and metrics). */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Resolves once nothing is queued or in flight (for close). */
  idle(): Promise<void> {
    return this.#members.whenIdle();
  }

  async #send(members: Member[]): Promise<void> {
    for (const m of members) this.#queuedBytes -= m.payload.length;
    this.#opts.onBatch?.(members.length);
    if (members.length === 1) return this.#appendAlone(members[0]!);
    let rows: BatchRow[];
    try {
      rows = await this.#callBatch(members);
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        for (const m of members) m.reject(err);
        return;
      }
      await Promise.all(members.map((m) => this.#appendAlone(m)));
      return;
    }
    await Promise.all(members.map((m, i) => this.#settle(m, rows[i])));
  }

  /** One `append_batch` call; returns the rows in the order of `members`, which it sorts by stream. */
  async #callBatch(members: Member[]): Promise<BatchRow[]> {
    const { pool, schemaSql, batchStatement } = this.#opts;
    // Stable sort: appends to one stream keep their arrival order.
    members.sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
    const res = await pool.query<BatchRow>({
      name: batchStatement,
      text: `SELECT ord, ok, revision, transaction_id::text AS txid, last_position FROM ${schemaSql}.append_batch($1, $2, $3)`,
      values: [
        members.map((m) => m.stream),
        members.map((m) => expectedToSql(m.expected)),
        `[${members.map((m) => m.payload).join(',')}]`,
      ],
    });
    const rows: BatchRow[] = [];
    for (const row of res.rows) rows[row.ord - 1] = row;
    return rows;
  }

  async #settle(m: Member, row: BatchRow | undefined): Promise<void> {
    try {
      if (!row) throw new Error('append_batch returned no row for a member');
      const { pool, schemaSql } = this.#opts;
      m.resolve(await settleAppendRow(pool, schemaSql, m.stream, m.events, m.expected, row));
    } catch (err) {
      m.reject(err);
    }
  }

  async #appendAlone(m: Member): Promise<void> {
    const { pool, schemaSql, singleStatement } = this.#opts;
    try {
      m.resolve(await appendEvents(pool, schemaSql, singleStatement, m.stream, m.events, m.expected, m.payload));
    } catch (err) {
      m.reject(err);
    }
  }
}
