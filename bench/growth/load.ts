/**
 * Bulk loader for the growth benchmark: fills an EMPTY PostgreSQL event store with the workload's
 * events (`workload.ts`) through COPY, the fastest way PostgreSQL ingests rows, instead of one
 * append call per command. The result is what appends would have left behind: the store's own
 * schema and migrations, every event in its stream at its revision, one `streams` row per stream,
 * positions from the identity column and transaction ids from real transactions (one per COPY
 * chunk, ascending, all committed), so the projector, the relay and the command API read it like
 * any other log. What differs from appending: many events share a transaction id (as a group
 * commit's do), and the table's indexes are dropped during the load and built once afterwards
 * (sorting 10 M keys is far cheaper than 10 M random index insertions), then the tables are
 * vacuumed and analysed as autovacuum would have done over a year.
 */
import { createPostgresEventStore } from '@publisher/event-store';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type GeneratedEvent, GrowthWorkload, type WorkloadOptions } from './workload.ts';

export interface LoadResult {
  events: number;
  /** Publishing records and deployments begun. */
  records: number;
  streams: number;
  seconds: number;
}

export interface LoadOptions extends WorkloadOptions {
  /** Progress lines (every ~10 s and per phase). */
  log?: (line: string) => void;
}

/** Events per COPY statement, i.e. per transaction. */
const EVENTS_PER_COPY = 100_000;
/** Events generated between two writes to the COPY stream, so PostgreSQL ingests while Node generates. */
const SLICE = 2000;

/** JSON in COPY's text format: JSON.stringify writes no raw tab or line break, only backslashes need doubling. */
const copyJson = (value: unknown): string => {
  const json = JSON.stringify(value);
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
};

function copyLine(e: GeneratedEvent): string {
  return `${e.stream}\t${e.revision}\t${e.id}\t${e.type}\t${copyJson(e.data)}\t${copyJson(e.metadata)}\t${e.at}\n`;
}

/** Writes one COPY statement's worth of text, generated slice by slice. */
async function copyChunk(client: pg.Client, sql: string, next: () => string | null): Promise<void> {
  const stream = client.query(copyFrom(sql));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  for (let text = next(); text !== null; text = next()) {
    if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', resolve));
  }
  stream.end();
  await done;
}

interface SavedIndex {
  table: string;
  name: string;
  /** `ALTER TABLE … ADD CONSTRAINT …` or `CREATE INDEX …` that rebuilds it. */
  create: string;
}

/** The event store tables' unique constraints and indexes, to drop before the load and rebuild after it. */
async function savedIndexes(client: pg.Client): Promise<SavedIndex[]> {
  const constraints = await client.query<{ table: string; name: string; def: string }>(
    `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS def
       FROM pg_constraint
      WHERE conrelid IN ('event_store.events'::regclass, 'event_store.streams'::regclass) AND contype IN ('p', 'u')`,
  );
  const indexes = await client.query<{ table: string; name: string; def: string }>(
    `SELECT 'event_store.' || tablename AS table, indexname AS name, indexdef AS def FROM pg_indexes
      WHERE schemaname = 'event_store' AND tablename IN ('events', 'streams')
        AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = 'event_store'::regnamespace)`,
  );
  return [
    ...constraints.rows.map((c) => ({
      table: c.table,
      name: c.name,
      create: `ALTER TABLE ${c.table} ADD CONSTRAINT ${c.name} ${c.def}`,
    })),
    ...indexes.rows.map((i) => ({ table: i.table, name: i.name, create: i.def })),
  ];
}

/**
 * Fills the empty event store at `connectionString` with `options.events` events.
 * @throws when the store already holds events (the loader only fills an empty one).
 * @example
 * const loaded = await bulkLoad(url, { events: 10_000_000, log: console.log });
 */
export async function bulkLoad(connectionString: string, options: LoadOptions): Promise<LoadResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const store = createPostgresEventStore({ connectionString, poolSize: 1 });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  const client = new pg.Client({ connectionString, application_name: 'publisher-growth-loader' });
  await client.connect();
  try {
    const { rows } = await client.query<{ any: boolean }>('SELECT EXISTS (SELECT FROM event_store.events) AS any');
    if (rows[0]?.any) throw new Error('the event store is not empty: the bulk loader only fills an empty one');
    // The load is repeatable from scratch: losing its last commits to a crash costs nothing.
    await client.query("SET synchronous_commit = off; SET maintenance_work_mem = '512MB'");
    const saved = await savedIndexes(client);
    for (const s of saved) {
      await client.query(
        s.create.startsWith('ALTER')
          ? `ALTER TABLE ${s.table} DROP CONSTRAINT ${s.name}`
          : `DROP INDEX event_store.${s.name}`,
      );
    }

    const workload = new GrowthWorkload(options);
    let lastLog = Date.now();
    while (workload.generated < options.events) {
      let inChunk = 0;
      await copyChunk(
        client,
        'COPY event_store.events (stream, revision, id, type, data, metadata, recorded_at) FROM STDIN',
        () => {
          if (inChunk >= EVENTS_PER_COPY) return null;
          const batch = workload.take(Math.min(SLICE, EVENTS_PER_COPY - inChunk));
          if (batch.length === 0) return null;
          inChunk += batch.length;
          let text = '';
          for (const e of batch) text += copyLine(e);
          return text;
        },
      );
      if (inChunk === 0) break;
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        const rate = workload.generated / ((Date.now() - started) / 1000);
        log(
          `${workload.generated.toLocaleString('en')} events (${Math.round(rate).toLocaleString('en')}/s, ETA ${Math.round((options.events - workload.generated) / rate)} s)`,
        );
      }
    }
    log(`${workload.generated.toLocaleString('en')} events copied; writing ${workload.streams.size} stream rows`);
    const streams = workload.streams.entries();
    await copyChunk(client, 'COPY event_store.streams (stream, revision) FROM STDIN', () => {
      let text = '';
      for (let n = 0; n < SLICE * 10; n++) {
        const next = streams.next();
        if (next.done) break;
        text += `${next.value[0]}\t${next.value[1]}\n`;
      }
      return text === '' ? null : text;
    });

    log(`building ${saved.length} indexes (${saved.map((s) => s.name).join(', ')})`);
    for (const s of saved) await client.query(s.create);
    log('vacuum and analyze');
    await client.query('VACUUM (ANALYZE) event_store.events');
    await client.query('VACUUM (ANALYZE) event_store.streams');
    await client.query('CHECKPOINT');
    return {
      events: workload.generated,
      records: workload.records,
      streams: workload.streams.size,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await client.end();
  }
}
