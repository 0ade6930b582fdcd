import type {
  PublishingFailed,
  PublishingRecordCommand,
  PublishingRecordCommandType,
  PublishingRecordCreated,
  PublishingRecordDeleted,
  PublishingRecordEvent,
  PublishingRecordEventType,
  PublishingRecordPhase,
  PublishingRecordState,
  PublishingStarted,
  PublishingSucceeded,
} from '../../src/index.ts';
import { decidePublishingRecord, evolvePublishingRecord, initialPublishingRecordState } from '../../src/index.ts';
import { publishingRecordTransitions } from '../../src/publishing-record/transitions.ts';
import type { Decider } from './spec.ts';

export const RECORD_ID = '0b5b0a38-4a63-4f34-9d1b-2b7f0f3f7a01';
const T0 = '2024-05-01T09:00:00.000Z';
const T1 = '2024-05-01T09:01:00.000Z';
const T2 = '2024-05-01T09:02:00.000Z';
const T3 = '2024-05-01T09:03:00.000Z';

export const publishingRecordDecider: Decider<PublishingRecordCommand, PublishingRecordState, PublishingRecordEvent> = {
  decide: decidePublishingRecord,
  evolve: evolvePublishingRecord,
  initialState: initialPublishingRecordState,
};

export const created: PublishingRecordCreated = {
  type: 'PublishingRecordCreated',
  data: {
    record_id: RECORD_ID,
    account_id: 7,
    site_id: 11,
    sector_id: 13,
    content_id: 42,
    destination: 'webhook',
    destination_config: { url: 'https://hooks.example.com/in' },
    metadata: { campaign: 'spring' },
    at: T0,
  },
};
export const started: PublishingStarted = {
  type: 'PublishingStarted',
  data: { record_id: RECORD_ID, attempt: 1, at: T1 },
};
export const succeeded: PublishingSucceeded = {
  type: 'PublishingSucceeded',
  data: { record_id: RECORD_ID, external_url: 'https://blog.example.com/p/1', external_id: 'p-1', at: T2 },
};
export const failed: PublishingFailed = {
  type: 'PublishingFailed',
  data: { record_id: RECORD_ID, error: 'destination answered 502', at: T2 },
};
export const deleted: PublishingRecordDeleted = {
  type: 'PublishingRecordDeleted',
  data: { record_id: RECORD_ID, at: T3 },
};

/** The state after `events` (oldest first). */
export const foldPublishingRecord = (events: PublishingRecordEvent[]): PublishingRecordState =>
  events.reduce<PublishingRecordState>(evolvePublishingRecord, initialPublishingRecordState);

/** Every phase (row) of the transition table, in lifecycle order. */
export const publishingRecordPhases = Object.keys(publishingRecordTransitions) as PublishingRecordPhase[];

/**
 * Past events that put a record in each phase. Typed by the phase union: adding a phase without a
 * fixture does not compile, so the table-driven test cannot forget it.
 */
export const historyFor: Record<PublishingRecordPhase, PublishingRecordEvent[]> = {
  initial: [],
  pending: [created],
  publishing: [created, started],
  published: [created, started, succeeded],
  failed: [created, started, failed],
  deleted: [created, started, failed, deleted],
};

/** A valid example of every command (same rule: a new command type without an example does not compile). */
export const exampleCommand: Record<PublishingRecordCommandType, PublishingRecordCommand> = {
  CreatePublishingRecord: {
    type: 'CreatePublishingRecord',
    data: {
      record_id: RECORD_ID,
      account_id: 7,
      site_id: 11,
      sector_id: 13,
      content_id: 42,
      destination: 'webhook',
      destination_config: { url: 'https://hooks.example.com/in' },
      metadata: { campaign: 'spring' },
    },
  },
  UpdatePublishingRecord: { type: 'UpdatePublishingRecord', data: { destination: 'wordpress' } },
  StartPublishing: { type: 'StartPublishing', data: {} },
  SucceedPublishing: {
    type: 'SucceedPublishing',
    data: { external_url: 'https://blog.example.com/p/1', external_id: 'p-1' },
  },
  FailPublishing: { type: 'FailPublishing', data: { error: 'timeout' } },
  RetryPublishing: { type: 'RetryPublishing', data: {} },
  DeletePublishingRecord: { type: 'DeletePublishingRecord', data: {} },
  RepublishPublishingRecord: {
    type: 'RepublishPublishingRecord',
    data: { replay_id: '7a3f5c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b', reason: 'consumer X lost its offsets' },
  },
  RedeliverPublishingRecord: { type: 'RedeliverPublishingRecord', data: { reason: 'destination fixed, ticket 42' } },
};

/** Every command type (column of the transition table), from the examples keyed by the command union. */
export const publishingRecordCommandTypes = Object.keys(exampleCommand) as PublishingRecordCommandType[];

/** The event each command produces when allowed (written independently of the decider). */
export const eventTypeOf: Record<PublishingRecordCommandType, PublishingRecordEventType> = {
  CreatePublishingRecord: 'PublishingRecordCreated',
  UpdatePublishingRecord: 'PublishingRecordUpdated',
  StartPublishing: 'PublishingStarted',
  SucceedPublishing: 'PublishingSucceeded',
  FailPublishing: 'PublishingFailed',
  RetryPublishing: 'PublishingRetried',
  DeletePublishingRecord: 'PublishingRecordDeleted',
  RepublishPublishingRecord: 'PublishingRecordRepublishRequested',
  RedeliverPublishingRecord: 'PublishingRedeliveryRequested',
};
