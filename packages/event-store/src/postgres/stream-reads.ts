import { createHash } from 'node:crypto';
import { BatchQueue } from '@publisher/coordination';
import { isDatabaseUnavailable } from '@publisher/platform/database-errors';
import type pg from 'pg';
import type { RecordedEvent } from '../port.ts';
import { EVENT_COLUMNS, EVENT_ROW_TYPES, type EventRow, toRecordedEvent } from './rows.ts';

/** One stream read: from `bound` (a revision) in the read's direction, at most `limit` events (null: all). */
export interface StreamRead {
  stream: string;
  bound: number | string;
  limit: number | null;
}

interface Pending extends StreamRead {
  resolve: (events: RecordedEvent[]) => void;
  reject: (err: unknown) => void;
}

/** A direction's two statements: a lone read, and a batch of reads. */
interface Statements {
  single: { name: string; text: string };
  batch: { name: string; text: string };
}

const statementName = (text: string) => `es_${createHash('sha1').update(text).digest('base64url')}`;

/**
 * Reads of single streams, many callers per statement. A lone read goes at once as its own
 * statement; while `maxInFlight` statements of its direction are out, new ones queue and go together
 * when one returns, as ONE statement over a table of the reads (`unnest` of their streams, bounds
 * and limits, each read a lateral index scan of its stream). History and as-of requests read one
 * stream each, often only its newest event: on a small machine the round trip (a write to the
 * socket, waking a PostgreSQL backend and the API again) costs more than the read, and a busy
 * server then makes few round trips for many reads.
 *
 * Each read still sees every append that finished before it was asked for (a batch is sent after
 * its reads were made). A batch failing for another reason than a lost connection (one read the
 * statement cannot take) is retried read by read, so only that read fails. Both statements are named
 * prepared statements (a hash of their text), parsed and planned once per connection.
 */
export class StreamReadBatcher {
  readonly #pool: pg.Pool;
  readonly #directions: { forwards: BatchQueue<Pending>; backwards: BatchQueue<Pending> };

  constructor(options: { pool: pg.Pool; schemaSql: string; maxInFlight?: number; maxBatch?: number }) {
    this.#pool = options.pool;
    const direction = (backwards: boolean): BatchQueue<Pending> => {
      const [cmp, order] = backwards ? ['<=', 'DESC'] : ['>=', 'ASC'];
      const single = `SELECT ${EVENT_COLUMNS} FROM ${options.schemaSql}.events
        WHERE stream = $1 AND revision ${cmp} $2 ORDER BY revision ${order} LIMIT $3`;
      const batch = `SELECT r.n::int AS n, e.* FROM unnest($1::text[], $2::bigint[], $3::bigint[]) WITH ORDINALITY
          AS r(read_stream, read_bound, read_limit, n)
        CROSS JOIN LATERAL (SELECT ${EVENT_COLUMNS} FROM ${options.schemaSql}.events
          WHERE stream = r.read_stream AND revision ${cmp} r.read_bound ORDER BY revision ${order} LIMIT r.read_limit) e
        ORDER BY r.n, e.revision ${order}`;
      const statements: Statements = {
        single: { name: statementName(single), text: single },
        batch: { name: statementName(batch), text: batch },
      };
      return new BatchQueue<Pending>({
        maxInFlight: options.maxInFlight ?? 2,
        maxBatch: options.maxBatch ?? 100,
        send: (reads) =>
          reads.length === 1 ? this.#readOne(statements, reads[0]!) : this.#readMany(statements, reads),
      });
    };
    this.#directions = { forwards: direction(false), backwards: direction(true) };
  }

  /** The events of one read, in its direction. */
  read(read: StreamRead, backwards: boolean): Promise<RecordedEvent[]> {
    // PostgreSQL text holds no NUL: no stream has such a name, and the batch could not carry it.
    if (read.stream.includes('\u0000')) return Promise.resolve([]);
    const reads = backwards ? this.#directions.backwards : this.#directions.forwards;
    return new Promise((resolve, reject) => reads.push({ ...read, resolve, reject }));
  }

  async #readOne(statements: Statements, read: Pending): Promise<void> {
    try {
      const { rows } = await this.#pool.query<EventRow>({
        ...statements.single,
        values: [read.stream, read.bound, read.limit],
        types: EVENT_ROW_TYPES,
      });
      read.resolve(rows.map(toRecordedEvent));
    } catch (err) {
      read.reject(err);
    }
  }

  async #readMany(statements: Statements, reads: Pending[]): Promise<void> {
    let rows: Array<EventRow & { n: number }>;
    try {
      ({ rows } = await this.#pool.query<EventRow & { n: number }>({
        ...statements.batch,
        values: [reads.map((r) => r.stream), reads.map((r) => r.bound), reads.map((r) => r.limit)],
        types: EVENT_ROW_TYPES,
      }));
    } catch (err) {
      if (isDatabaseUnavailable(err)) for (const read of reads) read.reject(err);
      else await Promise.all(reads.map((read) => this.#readOne(statements, read)));
      return;
    }
    const events: RecordedEvent[][] = reads.map(() => []);
    for (const row of rows) events[row.n - 1]?.push(toRecordedEvent(row));
    for (let i = 0; i < reads.length; i++) reads[i]!.resolve(events[i]!);
  }
}
