import { hasVisibleCharacter } from '@publisher/contracts';
/**
 * What the commands without an API need: the event store and the relay's checkpoint table
 * (DATABASE_URL, EVENT_STORE, EVENTSTORE_URL), the broker (KAFKA_BROKERS, KAFKA_TOPIC_PREFIX), and
 * who is deciding (`--by`, else $USER, recorded as the events' actor with the role `support`), all
 * from the CLI's `SupportCliConfig`.
 * The relay and dead-letter re-drives and the account-wide republish act on these directly: there
 * is no API for them, so whoever runs them has that access already.
 */
import type { EventMetadata, EventStore } from '@publisher/event-store';
import { ApiError } from './api-client.ts';
import { type OptionValues, UsageError } from './command.ts';
import type { SupportCliConfig } from './config.ts';

/** Options every direct command takes. */
export const DIRECT_OPTIONS = {
  by: { type: 'string' },
  reason: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
} as const;

/** `--reason` is required and bounded, as on the API: at most 1000 characters, one of them visible. */
export function reasonOf(values: OptionValues): string {
  const reason = typeof values.reason === 'string' ? values.reason.trim() : '';
  if (reason === '') throw new UsageError('--reason is required (why: a ticket, an incident)');
  if (!hasVisibleCharacter(reason)) throw new UsageError('--reason must have a visible character');
  // Characters as the API counts them (code points), not UTF-16 units.
  if ([...reason].length > 1000) throw new UsageError('--reason is at most 1000 characters');
  return reason;
}

/** The relay a command works on: `--relay`, else RELAY_NAME, else the relay's own default. */
export async function relayNameOf(values: OptionValues, config: SupportCliConfig): Promise<string> {
  if (typeof values.relay === 'string' && values.relay) return values.relay;
  if (config.relayName) return config.relayName;
  return (await import('@publisher/kafka-relay')).DEFAULT_RELAY_NAME;
}

/** The actor recorded on the decision's event. */
export function actorOf(values: OptionValues, config: SupportCliConfig): EventMetadata['actor'] {
  const by = (typeof values.by === 'string' && values.by.trim()) || config.user;
  if (!by) throw new UsageError('--by <your name> is required (no $USER to default to)');
  return { user_id: by, role: 'support' };
}

export interface Database {
  store: EventStore;
  /** A pg pool on DATABASE_URL (the relay's checkpoint table). */
  pool: import('pg').Pool;
  close(): Promise<void>;
}

/** Opens the event store and a small pool, as the services do from the same variables. */
export async function openDatabase(config: SupportCliConfig): Promise<Database> {
  if (!config.databaseUrl) {
    throw new UsageError('DATABASE_URL is required: this command works on the database, not through an API');
  }
  const [{ selectEventStore }, { default: pg }] = await Promise.all([import('@publisher/event-store'), import('pg')]);
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 2, application_name: 'publisher-support-cli' });
  pool.on('error', () => {});
  const { store } = selectEventStore(config.eventStore, { pool });
  return {
    store,
    pool,
    async close() {
      await store.close();
      await pool.end();
    },
  };
}

/** A kafkajs client on KAFKA_BROKERS (quiet: the command reports what matters). */
export async function openKafka(config: SupportCliConfig): Promise<import('kafkajs').Kafka> {
  const brokers = config.kafkaBrokers;
  if (brokers.length === 0) throw new UsageError('KAFKA_BROKERS is required: this command works on the broker');
  const { Kafka, logLevel } = await import('kafkajs');
  return new Kafka({ brokers, clientId: 'publisher-support-cli', logLevel: logLevel.NOTHING });
}

/**
 * Runs a direct action and turns a refusal (a domain, relay, dead-letter or store error with a
 * code) into the CLI's API-style error: printed with its code, exit 1.
 */
export async function refusalsAsErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const e = err as { code?: unknown; message?: string; errors?: Record<string, string[]> };
    if (err instanceof UsageError || err instanceof ApiError || typeof e.code !== 'string') throw err;
    throw new ApiError(0, e.code, e.message ?? String(err), e.errors);
  }
}
