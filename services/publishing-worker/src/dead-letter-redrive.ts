/**
 * Re-driving the worker's dead letters (`pnpm support dead-letters …`): list what sits in the
 * dead-letter topic, and copy chosen messages back to the topic they came from, once the reason
 * they failed is fixed (e.g. a worker that knows a new event type). Each re-drive is recorded in
 * the log (stream `dead_letters-{topic}`, event `DeadLettersRedriven`: who, why, when, which
 * messages), decided by the domain's `decideDeadLetters`, which also refuses to send one message
 * back twice. Needs the broker (KAFKA_BROKERS) and the event store (DATABASE_URL), not an API.
 *
 * Order: the decision is checked first, the messages are written (acks from all replicas), then
 * the decision is appended. A crash between the last two sends the messages again on the next run
 * (at least once: the worker dedupes by event id) and records them then.
 */
import { randomUUID } from 'node:crypto';
import { EVENT_HEADERS, headerString } from '@publisher/contracts';
import { withTimeout } from '@publisher/coordination';
import {
  type DeadLetterRef,
  type DeadLettersState,
  deadLetterKey,
  deadLettersStream,
  decideDeadLetters,
  foldDeadLetters,
} from '@publisher/domain';
import { type EventMetadata, type EventStore, operatorMetadata, type Position } from '@publisher/event-store';
import { newId } from '@publisher/platform/ids';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { DEAD_LETTER_HEADERS } from './dead-letter.ts';

/** Headers a re-driven message carries (its `dlq-*` headers are removed). */
export const REDRIVE_HEADERS = {
  redriveId: 'dlq-redrive-id',
  redrivenFrom: 'dlq-redriven-from',
} as const;

export interface DeadLetterAdmin {
  kafka: Kafka;
  store: EventStore;
  /** The dead-letter topic, prefix included (e.g. `publisher.publishing-records.v1.dlq`). */
  topic: string;
  actor: EventMetadata['actor'];
  now?: () => Date;
}

/** A message in the dead-letter topic, what its headers say, and whether it was re-driven. */
export interface DeadLetter extends DeadLetterRef {
  key: string | null;
  event_type: string | null;
  error: string | null;
  failed_at: string | null;
  consumer_group: string | null;
  redriven: { redrive_id: string; at: string } | null;
  /** The raw message, for re-driving. */
  message: KafkaMessage;
}

/**
 * Every message of the dead-letter topic (up to its end when the call starts), oldest first per
 * partition, with its re-drive status from the log.
 */
export async function listDeadLetters(
  admin: DeadLetterAdmin,
  progress?: (read: number, total: number) => void,
): Promise<{ letters: DeadLetter[]; state: DeadLettersState; revision: number | 'no_stream' }> {
  const history = await admin.store.readStream(deadLettersStream(admin.topic));
  const state = foldDeadLetters(history);
  const messages = await readToEnd(admin.kafka, admin.topic, progress);
  const letters = messages.map(({ partition, message }) => {
    const h = (name: string) => headerString(message.headers, name) ?? null;
    const ref = { partition, offset: message.offset };
    return {
      ...ref,
      source_topic: h(DEAD_LETTER_HEADERS.sourceTopic) ?? '',
      event_id: h(EVENT_HEADERS.eventId),
      dlq_reason: h(DEAD_LETTER_HEADERS.reason),
      key: message.key?.toString() ?? null,
      event_type: h(EVENT_HEADERS.eventType),
      error: h(DEAD_LETTER_HEADERS.error),
      failed_at: h(DEAD_LETTER_HEADERS.failedAt),
      consumer_group: h(DEAD_LETTER_HEADERS.consumerGroup),
      redriven: state.redriven.get(deadLetterKey(ref)) ?? null,
      message,
    };
  });
  return { letters, state, revision: history.length === 0 ? 'no_stream' : history.length - 1 };
}

export interface RedriveInput {
  /** `partition:offset` of the messages to send back; null: every message not re-driven yet. */
  select: string[] | null;
  reason: string;
  dry_run: boolean;
  progress?: (done: number, total: number) => void;
}

export interface RedriveResult {
  dry_run: boolean;
  redrive_id: string | null;
  messages: DeadLetterRef[];
  /** The recorded event (null on a dry run, or when there was nothing to re-drive). */
  event: { id: string; position: Position } | null;
}

/**
 * Sends the chosen dead letters back to their source topics and records it.
 * @example
 * await redriveDeadLetters(admin, { select: null, reason: 'worker 1.4 knows the new type', dry_run: false });
 */
export async function redriveDeadLetters(admin: DeadLetterAdmin, input: RedriveInput): Promise<RedriveResult> {
  const { letters, state, revision } = await listDeadLetters(admin);
  const byKey = new Map(letters.map((l) => [deadLetterKey(l), l]));
  const chosen =
    input.select === null
      ? letters.filter((l) => l.redriven === null)
      : input.select.map((key) => {
          const letter = byKey.get(key);
          if (!letter) throw new DeadLetterError(`no message ${key} in ${admin.topic}`);
          return letter;
        });
  const redriveId = randomUUID();
  const refs: DeadLetterRef[] = chosen.map(({ partition, offset, source_topic, event_id, dlq_reason }) => ({
    partition,
    offset,
    source_topic,
    event_id,
    dlq_reason,
  }));
  if (refs.length === 0) return { dry_run: input.dry_run, redrive_id: null, messages: [], event: null };
  const at = (admin.now ?? (() => new Date()))().toISOString();
  const command = {
    type: 'RedriveDeadLetters' as const,
    data: { dead_letter_topic: admin.topic, redrive_id: redriveId, messages: refs, reason: input.reason },
  };
  const [decided] = decideDeadLetters(command, state, { at }); // refuses before anything is sent
  if (input.dry_run || !decided) return { dry_run: true, redrive_id: null, messages: refs, event: null };

  await sendBack(admin, chosen, redriveId, input.progress);
  const id = newId();
  const metadata = operatorMetadata(id, admin.actor, { account_id: 0, site_id: 0, sector_id: null }, at);
  const appended = await admin.store.append(
    deadLettersStream(admin.topic),
    [{ id, type: decided.type, data: decided.data, metadata }],
    revision,
  );
  return { dry_run: false, redrive_id: redriveId, messages: refs, event: { id, position: appended.position } };
}

/** Why a re-drive cannot be done as asked (unknown message, …); nothing was sent. */
class DeadLetterError extends Error {
  readonly code = 'DEAD_LETTER_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'DeadLetterError';
  }
}

async function sendBack(
  admin: DeadLetterAdmin,
  letters: DeadLetter[],
  redriveId: string,
  progress?: (done: number, total: number) => void,
): Promise<void> {
  const producer = admin.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    // In dead-letter order, per source topic, in chunks: key and value untouched, so the message
    // lands on the partition it came from and its consumer sees it as it was.
    for (let i = 0; i < letters.length; i += 500) {
      const chunk = letters.slice(i, i + 500);
      const byTopic = new Map<string, Array<{ key: Buffer | null; value: Buffer | null; headers: IHeaders }>>();
      for (const l of chunk) {
        const messages = byTopic.get(l.source_topic) ?? [];
        messages.push({
          key: l.message.key,
          value: l.message.value,
          headers: {
            ...withoutDeadLetterHeaders(l.message.headers),
            [REDRIVE_HEADERS.redriveId]: redriveId,
            [REDRIVE_HEADERS.redrivenFrom]: `${admin.topic}/${l.partition}/${l.offset}`,
          },
        });
        byTopic.set(l.source_topic, messages);
      }
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      progress?.(Math.min(i + chunk.length, letters.length), letters.length);
    }
  } finally {
    await producer.disconnect();
  }
}

function withoutDeadLetterHeaders(headers: IHeaders | undefined): IHeaders {
  const kept: IHeaders = {};
  const ours = new Set<string>([...Object.values(DEAD_LETTER_HEADERS), ...Object.values(REDRIVE_HEADERS)]);
  for (const [name, value] of Object.entries(headers ?? {}))
    if (!ours.has(name) && value !== undefined) kept[name] = value;
  return kept;
}

const READ_TIMEOUT_MS = 120_000;

/**
 * Reads a topic from its start to the end it has when the call starts (a throw-away consumer
 * group, deleted afterwards). Returns the messages per partition in offset order.
 */
async function readToEnd(
  kafka: Kafka,
  topic: string,
  progress?: (read: number, total: number) => void,
): Promise<Array<{ partition: number; message: KafkaMessage }>> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `publisher-dead-letters-${randomUUID()}`;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const ends = new Map(
      offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]),
    );
    const total = offsets.reduce((n, o) => n + Number(BigInt(o.high) - BigInt(o.low)), 0);
    if (ends.size === 0) return [];
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
    const read: Array<{ partition: number; message: KafkaMessage }> = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      const readAll = new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachBatchAutoResolve: true,
            eachBatch: async ({ batch }) => {
              const end = ends.get(batch.partition);
              if (end === undefined) return;
              for (const message of batch.messages) {
                if (BigInt(message.offset) >= end) break;
                read.push({ partition: batch.partition, message });
                if (BigInt(message.offset) === end - 1n) ends.delete(batch.partition);
              }
              progress?.(read.length, total);
              if (ends.size === 0) resolve();
            },
          })
          .catch(reject);
      });
      // A partition whose end cannot be reached (offsets removed meanwhile) must not hang the CLI.
      await withTimeout(
        readAll,
        READ_TIMEOUT_MS,
        () => new DeadLetterError(`could not read ${topic} to its end within ${READ_TIMEOUT_MS} ms`),
      );
    } finally {
      await consumer.disconnect();
    }
    return read.sort(
      (a, b) => a.partition - b.partition || Number(BigInt(a.message.offset) - BigInt(b.message.offset)),
    );
  } finally {
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect();
  }
}
