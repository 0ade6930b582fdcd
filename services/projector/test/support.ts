/** Test support: appending domain events through the real event store, waiting for conditions. */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { EventMetadata, EventStore, NewEvent } from '@publisher/event-store';
import { CHECKPOINT_CHANNEL, type CheckpointNotice } from '@publisher/read-model';
import pg from 'pg';

let clock = Date.parse('2024-06-01T00:00:00.000Z');
export const at = (): string => {
  clock += 1000;
  return new Date(clock).toISOString();
};

function metadata(accountId = 1, siteId = 10): EventMetadata {
  return {
    correlation_id: randomUUID(),
    causation_id: null,
    actor: { user_id: 'test', role: 'editor' },
    tenant: { account_id: accountId, site_id: siteId, sector_id: 100 },
    request_id: null,
    occurred_at: new Date(clock).toISOString(),
    schema_version: 1,
  };
}

export function event(type: string, data: Record<string, unknown>, accountId = 1): NewEvent {
  return { id: randomUUID(), type, data, metadata: metadata(accountId) };
}

/** Appends a publishing record's creation; returns its id and the append's position. */
export async function createRecord(store: EventStore, over: Record<string, unknown> = {}) {
  const id = randomUUID();
  const data = {
    record_id: id,
    account_id: 1,
    site_id: 10,
    sector_id: 100,
    content_id: 1000,
    destination: 'webhook',
    destination_config: {},
    metadata: {},
    at: at(),
    ...over,
  };
  const r = await store.append(`publishing_record-${id}`, [event('PublishingRecordCreated', data)], 'no_stream');
  return { id, stream: `publishing_record-${id}`, ...r };
}

/** Appends events to a record's stream at the expected revision. */
export async function appendToRecord(
  store: EventStore,
  id: string,
  expected: number,
  ...events: Array<[string, Record<string, unknown>]>
) {
  return store.append(
    `publishing_record-${id}`,
    events.map(([type, data]) => event(type, { record_id: id, at: at(), ...data })),
    expected,
  );
}

let nextSite = 500;

/**
 * Appends a varied workload: `records` publishing records with lifecycles of 1–6 events across
 * `accounts` accounts, and a deployment (with its ledger event) for every tenth record.
 * Appends run `concurrency` at a time. Returns the number of events appended.
 */
export async function appendWorkload(
  store: EventStore,
  options: { records: number; accounts?: number; concurrency?: number; seed?: number },
): Promise<number> {
  const accounts = options.accounts ?? 5;
  let rnd = options.seed ?? 42;
  const random = () => {
    rnd = (rnd * 1103515245 + 12345) % 2147483648;
    return rnd / 2147483648;
  };
  let appended = 0;
  const one = async (i: number) => {
    const account = 1 + (i % accounts);
    const id = randomUUID();
    const stream = `publishing_record-${id}`;
    const create = event(
      'PublishingRecordCreated',
      {
        record_id: id,
        account_id: account,
        site_id: 10 + (i % 7),
        sector_id: 100,
        content_id: 1000 + i,
        destination: i % 2 ? 'webhook' : 'wordpress',
        destination_config: { n: i },
        metadata: { i },
        at: at(),
      },
      account,
    );
    const lifecycle: Array<[string, Record<string, unknown>]> = [
      ['PublishingStarted', { attempt: 1 }],
      ['PublishingFailed', { error: `failure ${i}` }],
      ['PublishingRetried', {}],
      ['PublishingStarted', { attempt: 2 }],
      ['PublishingSucceeded', { external_url: `https://x.test/${i}`, external_id: null }],
    ];
    const n = Math.floor(random() * (lifecycle.length + 1));
    await store.append(stream, [create], 'no_stream');
    // Separate appends, so a stream's events interleave with other streams' in the global log.
    for (let k = 0; k < n; k++) {
      const [type, data] = lifecycle[k]!;
      await store.append(stream, [event(type, { record_id: id, at: at(), ...data }, account)], k);
    }
    appended += 1 + n;
    if (i % 10 === 0) {
      const dep = randomUUID();
      const site = nextSite++;
      const d = {
        deployment_id: dep,
        account_id: account,
        site_id: site,
        sector_id: null,
        version: 1,
        metadata: {},
        at: at(),
      };
      await store.append(
        `site_deployments-${account}-${site}`,
        [event('DeploymentVersionReserved', d, account)],
        'no_stream',
      );
      await store.append(`deployment-${dep}`, [event('DeploymentCreated', d, account)], 'no_stream');
      // Every other deployment is withdrawn before it runs, so rebuilds and crashes see cancellations too.
      const outcome =
        i % 20 === 0
          ? [
              event('DeploymentUpdated', { deployment_id: dep, changes: { metadata: { n: i } }, at: at() }, account),
              event('DeploymentCancelled', { deployment_id: dep, reason: null, at: at() }, account),
            ]
          : [
              event('DeploymentStarted', { deployment_id: dep, at: at() }, account),
              event(
                'DeploymentSucceeded',
                { deployment_id: dep, deployment_url: `https://s${i}.test`, at: at() },
                account,
              ),
            ];
      await store.append(`deployment-${dep}`, outcome, 0);
      appended += 4;
    }
  };
  const concurrency = options.concurrency ?? 8;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < options.records) await one(next++);
    }),
  );
  return appended;
}

/** Spawns `services/projector/src/main.ts` as a separate process (so it can be SIGKILLed). */
export function spawnProjector(databaseUrl: string, env: Record<string, string> = {}) {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      STATUS_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Passed through as before, and the tail kept so a test can say why a process did not start.
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  return {
    child,
    exited,
    stderr: () => stderr,
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Collects the projector's checkpoint notices (NOTIFY payloads) on a LISTEN session of its own. */
export async function listenForNotices(
  connectionString: string,
): Promise<{ notices: CheckpointNotice[]; close: () => Promise<void> }> {
  const listener = new pg.Client({ connectionString });
  await listener.connect();
  const notices: CheckpointNotice[] = [];
  listener.on('notification', (m) => notices.push(JSON.parse(m.payload ?? '{}')));
  await listener.query(`LISTEN ${CHECKPOINT_CHANNEL}`);
  return { notices, close: () => listener.end() };
}
