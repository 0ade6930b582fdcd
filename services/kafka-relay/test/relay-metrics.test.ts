import { randomUUID } from 'node:crypto';
import { createPostgresEventStore } from '@publisher/event-store';
import { ServiceMetrics } from '@publisher/telemetry';
import { createTestDatabase } from '@publisher/testing';
import t from 'tap';
import { initialRelayState, relayHealth, relayMetrics } from '../src/metrics.ts';

const sample = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

t.test(
  'only the active relay reports a lag: a standby relays nothing and says 0 (metrics) or null (/health)',
  async (t) => {
    const db = await createTestDatabase('relay_metrics');
    t.teardown(db.drop);
    const store = createPostgresEventStore({ connectionString: db.url });
    t.teardown(() => store.close());
    await store.migrate();
    await store.append(
      `publishing_record-${randomUUID()}`,
      [
        {
          id: randomUUID(),
          type: 'PublishingRecordCreated',
          data: {},
          metadata: {
            correlation_id: randomUUID(),
            causation_id: null,
            actor: { user_id: 'u', role: 'editor' },
            tenant: { account_id: 1, site_id: 1, sector_id: null },
            request_id: null,
            occurred_at: new Date().toISOString(),
            schema_version: 1,
          },
        },
      ],
      'no_stream',
    );
    // The event waits, unrelayed, long enough for its age to show in seconds.
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const relay = async (role: 'active' | 'standby') => {
      const state = { ...initialRelayState(), role };
      const metrics = new ServiceMetrics('relay');
      relayMetrics(metrics, state, store, 'postgres');
      const text = await metrics.text();
      const health = (await relayHealth('kafka-relay', state, store)()).body as Record<string, unknown>;
      return { text, health };
    };
    const active = await relay('active');
    t.ok(sample(active.text, 'publisher_relay_lag_seconds') >= 1, 'the active relay: the waiting event’s age');
    t.ok(sample(active.text, 'publisher_relay_lag_events') >= 1);
    t.match(active.health, { caught_up: false, lag_seconds: Number });

    const standby = await relay('standby');
    t.equal(sample(standby.text, 'publisher_relay_lag_seconds'), 0, 'a standby: 0, not the age of the log');
    t.equal(sample(standby.text, 'publisher_relay_lag_events'), 0);
    t.match(standby.health, { status: 'ok', role: 'standby', lag_seconds: null, caught_up: null, head_position: null });
  },
);
