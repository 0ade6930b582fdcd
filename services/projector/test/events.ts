/** Builders of recorded events for projection tests (no I/O). */
import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@publisher/event-store';
import { encodePosition } from '@publisher/event-store/port';

let seq = 0n;
let clock = Date.parse('2024-05-01T00:00:00.000Z');
const nextAt = (): string => {
  clock += 1000;
  return new Date(clock).toISOString();
};

/** Records one event of `stream` at `revision` with the next global position. */
export function recorded(
  stream: string,
  revision: number,
  type: string,
  data: Record<string, unknown>,
  over: Partial<RecordedEvent> = {},
): RecordedEvent {
  seq += 1n;
  return {
    id: randomUUID(),
    stream,
    type,
    data,
    metadata: {
      correlation_id: randomUUID(),
      causation_id: null,
      actor: { user_id: 'u1', role: 'editor' },
      tenant: { account_id: 1, site_id: 10, sector_id: 100 },
      request_id: null,
      occurred_at: new Date(clock).toISOString(),
      schema_version: 1,
    },
    revision,
    position: encodePosition(1n, seq),
    recorded_at: new Date(clock),
    ...over,
  };
}

/** A publishing record's stream: call `next(type, data)` for each event, in order. */
export function recordStream(id = randomUUID()) {
  let revision = -1;
  const stream = `publishing_record-${id}`;
  return {
    id,
    stream,
    next(type: string, data: Record<string, unknown> = {}): RecordedEvent {
      revision += 1;
      return recorded(stream, revision, type, { record_id: id, at: nextAt(), ...data });
    },
    created(over: Record<string, unknown> = {}): RecordedEvent {
      return this.next('PublishingRecordCreated', {
        account_id: 1,
        site_id: 10,
        sector_id: 100,
        content_id: 1000,
        destination: 'webhook',
        destination_config: { url: 'https://example.test/hook' },
        metadata: { title: 'Hello' },
        ...over,
      });
    },
  };
}

/** A deployment's stream. */
export function deploymentStream(id = randomUUID()) {
  let revision = -1;
  const stream = `deployment-${id}`;
  return {
    id,
    stream,
    next(type: string, data: Record<string, unknown> = {}): RecordedEvent {
      revision += 1;
      return recorded(stream, revision, type, { deployment_id: id, at: nextAt(), ...data });
    },
    created(over: Record<string, unknown> = {}): RecordedEvent {
      return this.next('DeploymentCreated', {
        account_id: 1,
        site_id: 10,
        sector_id: null,
        version: 1,
        metadata: {},
        ...over,
      });
    },
  };
}
