import { createHash } from 'node:crypto';
import { BatchQueue } from '@publisher/coordination';
import pg from 'pg';

/** A PostgreSQL type a request parameter travels as (in an array, one element per request). */
export type ParamType = 'int' | 'text' | 'uuid' | 'timestamptz';

/**
 * The parameters of one request in a batched statement: each becomes a column of the table of
 * requests `q` (`q.p1`, `q.p2`, …; `q.n` is the request's number in the batch).
 * @example
 * const params = new RequestParams();
 * const where = `r.id = ${params.add(id, 'uuid')}`; // 'r.id = q.p1'
 */
export class RequestParams {
  readonly values: unknown[] = [];
  readonly types: ParamType[] = [];

  /** Adds a value; returns the SQL that names it. */
  add(value: unknown, type: ParamType): string {
    this.values.push(value);
    this.types.push(type);
    return `q.p${this.values.length}`;
  }
}

/** A prepared statement with its values. */
interface Statement {
  name: string;
  text: string;
  values: unknown[];
}

/** Where a batched reader's statements run: PostgreSQL through `poolRowSource`, a fake in tests. */
export interface RowSource {
  /**
   * Runs the statement, handing each row to `onRow` in the order the statement returns them, as
   * they arrive; settles when the statement has completed. When `onRow` throws, the statement
   * fails with that error and no further row is handed over.
   */
  stream(statement: Statement, onRow: (row: unknown) => void): Promise<void>;
}

/**
 * A `RowSource` on a pool's connections: `pg` hands over each row as it parses it (a `pg.Query`'s
 * `row` events) instead of waiting for the whole result.
 */
export function poolRowSource(pool: pg.Pool): RowSource {
  return {
    async stream(statement, onRow) {
      const client = await pool.connect();
      await new Promise<void>((resolve, reject) => {
        let ended = false;
        // Settles once, whichever comes first: the callback, a lost connection, a throw.
        const end = (err: unknown) => {
          if (ended) return;
          ended = true;
          client.removeListener('error', end);
          const failure = err == null ? undefined : err instanceof Error ? err : new Error(String(err));
          // As pg.Pool#query does: after an error the connection may be broken, so it is dropped.
          client.release(failure);
          if (failure) reject(failure);
          else resolve();
        };
        // A connection lost while checked out reports it here (unheard, it would crash the process).
        client.on('error', end);
        // The callback, not the query's `end` and `error` events: it also hears `pg`'s client-side
        // timeout (query_timeout), after which the query emits nothing.
        const query = new pg.Query(statement, end);
        query.on('row', (row: unknown) => {
          if (ended) return;
          // A throw would land in `pg`'s socket handler: it fails this statement instead.
          try {
            onRow(row);
          } catch (err) {
            end(err);
          }
        });
        try {
          client.query(query);
        } catch (err) {
          end(err);
        }
      });
    },
  };
}

/** The database did not answer a batch within the reader's bound (maps to 503, like a lost connection). */
export class QueryTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`the read models did not answer within ${ms} ms`);
    this.name = 'QueryTimeoutError';
  }
}

interface Pending {
  values: unknown[];
  /** When this request's one bound ends (`Date.now()` ms), however long it waited in the queue. */
  deadline: number;
  resolve: (rows: unknown[]) => void;
  reject: (err: unknown) => void;
}

/** The requests of one statement text, waiting and out. */
type Shape = BatchQueue<Pending>;

export interface BatchedReaderOptions {
  /** Most requests in one statement (default 100). */
  maxBatch?: number;
  /** A batch that takes longer fails its requests and frees its place (default 10 000 ms). */
  timeoutMs?: number;
}

/** Statement shapes remembered at most; idle ones beyond this are forgotten. */
const MAX_SHAPES = 1000;

/**
 * The read path's queries, many requests per statement. A query function describes its request
 * once (`select`, the rest of the query over the table of requests `q`, and the request's
 * parameters); requests whose statement text is the same — same table, filters present, ordering,
 * shape of the tenant scope — go together as ONE prepared statement with one array per parameter
 * (`FROM unnest($1::int[], …) WITH ORDINALITY AS q(p1, …, n)`), and each gets back its own rows.
 * The statement returns them in the requests' order (`ORDER BY q.n`, which follows the table of
 * requests at no cost), so a request is answered as soon as a row of a later request arrives (the
 * last ones when the statement completes): the first requests of a batch are answered while
 * PostgreSQL still works on the later ones, instead of all of them waiting for the whole statement.
 *
 * While a statement's batch is out, its new requests queue and go as the next batch when it
 * returns, so a lone request goes at once and a busy server sends few large batches (statements of
 * other shapes go meanwhile): a round trip to PostgreSQL (a write, two process
 * wake-ups, the protocol's fixed work) costs more on a small machine than reading a page of rows,
 * and one statement answers many requests. What it trades: a request may wait for a batch before
 * it (one round trip at most). Measure: `pnpm bench:reads` (the
 * `-uncached` variants read through here on every request).
 *
 * A batch is always sent after every request in it was made, so its snapshot is at least as new as
 * anything the asking request knew (the response cache relies on this).
 *
 * @example
 * const params = new RequestParams();
 * const rows = await reader.run('r.document', `JOIN deployments r ON r.id = ${params.add(id, 'uuid')}`, params);
 */
export class BatchedReader {
  readonly #source: RowSource;
  readonly #maxBatch: number;
  readonly #timeoutMs: number;
  readonly #shapes = new Map<string, Shape>();

  constructor(source: RowSource, options: BatchedReaderOptions = {}) {
    this.#source = source;
    this.#maxBatch = options.maxBatch ?? 100;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * Runs one request: `SELECT q.n, <select> FROM unnest(…) q <from> ORDER BY q.n[, <within>]`.
   * Resolves the rows of this request, in the order `within` (e.g. `p.at DESC`) gives them.
   */
  run<Row>(select: string, from: string, params: RequestParams, within?: string): Promise<Row[]> {
    if (params.values.length === 0) throw new TypeError('a batched statement needs at least one parameter');
    const columns = params.types.map((_, i) => `p${i + 1}`).join(', ');
    const arrays = params.types.map((type, i) => `$${i + 1}::${type}[]`).join(', ');
    const order = within === undefined ? 'q.n' : `q.n, ${within}`;
    const text = `SELECT q.n::int AS n, ${select} FROM unnest(${arrays}) WITH ORDINALITY AS q(${columns}, n) ${from} ORDER BY ${order}`;
    let shape = this.#shapes.get(text);
    if (shape === undefined) {
      if (this.#shapes.size >= MAX_SHAPES) this.#forgetIdle();
      const statement = { name: `rm_${createHash('sha1').update(text).digest('base64url')}`, text };
      const requests: Shape = new BatchQueue<Pending>({
        maxInFlight: 1,
        maxBatch: this.#maxBatch,
        send: (batch) => this.#send(statement, requests, batch),
      });
      shape = requests;
      this.#shapes.set(text, shape);
    }
    const target = shape;
    return new Promise<Row[]>((resolve, reject) => {
      target.push({
        values: params.values,
        deadline: Date.now() + this.#timeoutMs,
        resolve: resolve as (rows: unknown[]) => void,
        reject,
      });
    });
  }

  /** Sends one batch; settles when its requests are answered, or failed at their bound. */
  #send(statement: { name: string; text: string }, shape: Shape, batch: Pending[]): Promise<void> {
    const width = batch[0]!.values.length;
    const values: unknown[][] = Array.from({ length: width }, () => new Array(batch.length));
    for (let r = 0; r < batch.length; r++) {
      const request = batch[r]!.values;
      for (let c = 0; c < width; c++) values[c]![r] = request[c];
    }
    let settled = false;
    let done!: () => void;
    const sent = new Promise<void>((resolve) => {
      done = () => {
        settled = true;
        clearTimeout(timer);
        resolve();
      };
    });
    // A hung batch must not hold every later request of its shape: past the bound its requests
    // fail, and so do those queued behind it (the database has not answered for that long, and
    // each request should wait one bound at most); the next batch goes on another connection, and
    // the hung query ends with its connection's own timeout. The bound counts from the oldest
    // request's arrival, not from the send: a request that queued behind a batch which failed
    // late (a pool that timed out waiting for a connection) has spent part of its bound already.
    const timer = setTimeout(
      () => {
        if (settled) return;
        const err = new QueryTimeoutError(this.#timeoutMs);
        for (const p of [...batch, ...shape.takeWaiting()]) p.reject(err);
        done();
      },
      Math.max(0, batch[0]!.deadline - Date.now()),
    );
    const rows: unknown[][] = batch.map(() => []);
    // Requests before `answered` have their answer: the rows come in the requests' order, so a row
    // of request n completes every request before it.
    let answered = 0;
    const onRow = (row: unknown) => {
      if (settled) return;
      const at = (row as { n: number }).n - 1;
      // An answer given is never changed: a row out of the requests' order fails the statement.
      if (!(at >= answered && at < batch.length)) throw new Error(`row of request ${at + 1} out of order`);
      for (; answered < at; answered++) batch[answered]!.resolve(rows[answered]!);
      rows[at]!.push(row);
    };
    this.#source.stream({ ...statement, values }, onRow).then(
      () => {
        if (settled) return;
        // The slot frees first, so the next batch goes out before the last answers are built.
        done();
        for (; answered < batch.length; answered++) batch[answered]!.resolve(rows[answered]!);
      },
      (err: unknown) => {
        if (settled) return;
        done();
        // Requests already answered keep their answers (rejecting them is a no-op).
        for (const p of batch) p.reject(err);
      },
    );
    return sent;
  }

  #forgetIdle(): void {
    for (const [text, shape] of this.#shapes) if (shape.idle) this.#shapes.delete(text);
  }
}
