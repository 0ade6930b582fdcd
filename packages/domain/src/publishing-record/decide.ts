import type { DecideContext } from '../decide-context.ts';
import { DomainValidationError } from '../errors.ts';
import { assertNever, FieldChecks } from '../validation.ts';
import type { PublishingRecordCommand } from './commands.ts';
import type { PublishingRecordEvent } from './events.ts';
import type { PublishingRecord, PublishingRecordState } from './state.ts';
import { publishingRecordPhase } from './state.ts';
import { assertPublishingRecordTransition } from './transitions.ts';

/**
 * Decides the events a publishing-record command produces, or throws a domain error
 * (VALIDATION, RECORD_NOT_FOUND, RECORD_ALREADY_EXISTS, RECORD_DELETED, ILLEGAL_TRANSITION).
 * Pure: the same command, state and context always give the same events.
 * @example
 * const events = decidePublishingRecord({ type: 'StartPublishing', data: {} }, state, { at: '2024-01-01T00:00:00.000Z' });
 * // [{ type: 'PublishingStarted', data: { record_id, attempt: state.attempts + 1, at } }]
 */
export function decidePublishingRecord(
  command: PublishingRecordCommand,
  state: PublishingRecordState,
  context: DecideContext,
): PublishingRecordEvent[] {
  validate(command);
  const phase = publishingRecordPhase(state);
  assertPublishingRecordTransition(phase, command.type, state.status === 'initial' ? null : state.id);
  const { at } = context;

  if (command.type === 'CreatePublishingRecord') {
    // Field by field, so nothing beyond the declared shape reaches the stored event.
    const d = command.data;
    return [
      {
        type: 'PublishingRecordCreated',
        data: {
          record_id: d.record_id,
          account_id: d.account_id,
          site_id: d.site_id,
          sector_id: d.sector_id,
          content_id: d.content_id,
          destination: d.destination,
          destination_config: d.destination_config,
          metadata: d.metadata,
          at,
        },
      },
    ];
  }
  // The table refuses every non-create command in the initial phase, so a record exists here.
  const record = state as PublishingRecord;
  const record_id = record.id;
  switch (command.type) {
    case 'UpdatePublishingRecord':
      return [{ type: 'PublishingRecordUpdated', data: { record_id, changes: changesOf(command.data), at } }];
    case 'StartPublishing':
      return [{ type: 'PublishingStarted', data: { record_id, attempt: record.attempts + 1, at } }];
    case 'SucceedPublishing':
      return [
        {
          type: 'PublishingSucceeded',
          data: {
            record_id,
            external_url: command.data.external_url,
            external_id: command.data.external_id ?? null,
            at,
          },
        },
      ];
    case 'FailPublishing':
      return [{ type: 'PublishingFailed', data: { record_id, error: command.data.error, at } }];
    case 'RetryPublishing':
      return [{ type: 'PublishingRetried', data: { record_id, at } }];
    case 'DeletePublishingRecord':
      return [{ type: 'PublishingRecordDeleted', data: { record_id, at } }];
    case 'RepublishPublishingRecord':
      return [
        {
          type: 'PublishingRecordRepublishRequested',
          data: { record_id, replay_id: command.data.replay_id, reason: command.data.reason, at },
        },
      ];
    case 'RedeliverPublishingRecord':
      return [{ type: 'PublishingRedeliveryRequested', data: { record_id, reason: command.data.reason, at } }];
    default:
      return assertNever(command, 'publishing-record command');
  }
}

/** Keeps only the fields present, so the event says exactly what changed. */
function changesOf(data: {
  destination?: string;
  destination_config?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}): { destination?: string; destination_config?: Record<string, unknown>; metadata?: Record<string, unknown> } {
  return {
    ...(data.destination !== undefined && { destination: data.destination }),
    ...(data.destination_config !== undefined && { destination_config: data.destination_config }),
    ...(data.metadata !== undefined && { metadata: data.metadata }),
  };
}

function validate(command: PublishingRecordCommand): void {
  const checks = new FieldChecks();
  switch (command.type) {
    case 'CreatePublishingRecord': {
      const d = command.data;
      checks.nonEmpty('record_id', d.record_id);
      checks.positiveInteger('account_id', d.account_id);
      checks.positiveInteger('site_id', d.site_id);
      checks.positiveInteger('sector_id', d.sector_id);
      checks.positiveInteger('content_id', d.content_id);
      checks.nonEmpty('destination', d.destination);
      checks.plainObject('destination_config', d.destination_config);
      checks.plainObject('metadata', d.metadata);
      break;
    }
    case 'UpdatePublishingRecord': {
      const d = command.data;
      if (d.destination === undefined && d.destination_config === undefined && d.metadata === undefined) {
        throw new DomainValidationError({
          body: ['must change at least one of destination, destination_config, metadata'],
        });
      }
      if (d.destination !== undefined) checks.nonEmpty('destination', d.destination);
      if (d.destination_config !== undefined) checks.plainObject('destination_config', d.destination_config);
      if (d.metadata !== undefined) checks.plainObject('metadata', d.metadata);
      break;
    }
    case 'SucceedPublishing':
      checks.nonEmpty('external_url', command.data.external_url);
      if (typeof command.data.external_id === 'string') checks.nonEmpty('external_id', command.data.external_id);
      break;
    case 'FailPublishing':
      checks.nonEmpty('error', command.data.error);
      break;
    case 'RepublishPublishingRecord':
      checks.uuid('replay_id', command.data.replay_id);
      checks.reason('reason', command.data.reason);
      break;
    case 'RedeliverPublishingRecord':
      checks.reason('reason', command.data.reason);
      break;
    case 'StartPublishing':
    case 'RetryPublishing':
    case 'DeletePublishingRecord':
      break;
    default:
      assertNever(command, 'publishing-record command');
  }
  checks.throwIfAny();
}
