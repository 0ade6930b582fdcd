/**
 * The synthetic event log the read-side benchmarks replay (`pnpm bench:replay`, and `pnpm bench:lag`
 * with BENCH_REBUILD_EVENTS): one shape of traffic, appended once and reused.
 */
import { randomUUID } from 'node:crypto';
import type { NewEvent, PostgresEventStore } from '@publisher/event-store';

const meta = (account: number) => ({
  correlation_id: randomUUID(),
  causation_id: null,
  actor: { user_id: 'bench', role: 'editor' as const },
  tenant: { account_id: account, site_id: 1 + (account % 50), sector_id: 1 },
  request_id: null,
  occurred_at: new Date().toISOString(),
  schema_version: 1,
});

/** One record's life (5 events) or, every tenth stream, a deployment (ledger + 3 events). */
function streamEvents(i: number): Array<{ stream: string; events: NewEvent[] }> {
  const account = 1 + (i % 1000);
  const at = new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
  const e = (type: string, data: Record<string, unknown>): NewEvent => ({
    id: randomUUID(),
    type,
    data,
    metadata: meta(account),
  });
  if (i % 10 === 9) {
    const id = randomUUID();
    const d = {
      deployment_id: id,
      account_id: account,
      site_id: 100_000 + i,
      sector_id: null,
      version: 1,
      metadata: { i },
      at,
    };
    return [
      { stream: `site_deployments-${account}-${100_000 + i}`, events: [e('DeploymentVersionReserved', d)] },
      {
        stream: `deployment-${id}`,
        events: [
          e('DeploymentCreated', d),
          e('DeploymentStarted', { deployment_id: id, at }),
          e('DeploymentSucceeded', { deployment_id: id, deployment_url: `https://s${i}.example.com`, at }),
        ],
      },
    ];
  }
  const id = randomUUID();
  return [
    {
      stream: `publishing_record-${id}`,
      events: [
        e('PublishingRecordCreated', {
          record_id: id,
          account_id: account,
          site_id: 1 + (i % 50),
          sector_id: 1,
          content_id: i + 1,
          destination: i % 2 ? 'webhook' : 'wordpress',
          destination_config: { url: 'https://hooks.example.com/x' },
          metadata: { title: `Post ${i}` },
          at,
        }),
        e('PublishingStarted', { record_id: id, attempt: 1, at }),
        e('PublishingFailed', { record_id: id, error: 'timeout', at }),
        e('PublishingRetried', { record_id: id, at }),
        e('PublishingStarted', { record_id: id, attempt: 2, at }),
      ],
    },
  ];
}

export async function countEvents(store: PostgresEventStore): Promise<number> {
  const r = await store.pool.query('SELECT count(*)::int AS n FROM event_store.events');
  return r.rows[0].n;
}

/**
 * Appends synthetic traffic through the adapter until the log holds `target` events (24 writers):
 * publishing records of 5 events each, and every tenth stream a deployment with its ledger event.
 * A log that already holds them is reused.
 */
export async function seedLog(store: PostgresEventStore, target: number): Promise<void> {
  let have = await countEvents(store);
  if (have >= target) return console.log(`# reusing ${have} events`);
  console.log(`# appending ${target - have} events through the adapter (once; later runs reuse them)…`);
  let i = have;
  const started = Date.now();
  let lastLog = started;
  const worker = async () => {
    while (have < target) {
      for (const { stream, events } of streamEvents(i++)) {
        await store.append(stream, events, 'no_stream');
        have += events.length;
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        console.log(`#   ${have} events (${Math.round((have / (Date.now() - started)) * 1000)} ev/s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: 24 }, worker));
}
