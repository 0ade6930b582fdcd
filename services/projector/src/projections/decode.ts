import {
  DEPLOYMENT_EVENT_DATA,
  type DeploymentEvent,
  deadLettersEventTypes,
  isDeploymentEvent,
  isPublishingRecordEvent,
  PUBLISHING_RECORD_EVENT_DATA,
  type PublishingRecordEvent,
  relayControlEventTypes,
} from '@publisher/domain';
import type { RecordedEvent } from '@publisher/event-store';
import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { PoisonEventError } from '../errors.ts';

/**
 * Internal events that are known and deliberately not projected: the site-deployments ledger only
 * hands out versions (the deployment's own stream carries everything the read models show), and
 * support decisions about the relay and dead-letter topics belong to no record.
 */
const IGNORED_EVENT_TYPES: ReadonlySet<string> = new Set([
  'DeploymentVersionReserved',
  ...relayControlEventTypes,
  ...deadLettersEventTypes,
]);

const compileAll = <K extends string>(schemas: Record<K, TSchema>): Map<string, Validator> =>
  new Map(Object.entries<TSchema>(schemas).map(([type, schema]) => [type, Compile(schema)]));

// The domain's payload schemas, checked before an event is applied: a payload that does not match
// stops the projection instead of writing garbage.
const publishingRecordValidators = compileAll(PUBLISHING_RECORD_EVENT_DATA);
const deploymentValidators = compileAll(DEPLOYMENT_EVENT_DATA);

export type DecodedEvent =
  | { kind: 'publishing_record'; id: string; event: PublishingRecordEvent }
  | { kind: 'deployment'; id: string; event: DeploymentEvent }
  | { kind: 'ignored' };

/** Record id carried by a stream name `<prefix>-<uuid>` (null when the stream is not one of those). */
function streamId(stream: string, prefix: string): string | null {
  return stream.startsWith(`${prefix}-`) ? stream.slice(prefix.length + 1) : null;
}

function check(event: RecordedEvent, validators: ReadonlyMap<string, Validator>): void {
  const validator = validators.get(event.type);
  if (validator === undefined || validator.Check(event.data)) return;
  const first = validator.Errors(event.data)[0];
  const where = first ? `${first.instancePath || '/'} ${first.message}` : 'does not match its schema';
  throw new PoisonEventError(event, `invalid payload: ${where}`);
}

/**
 * Checks an event and says what it is about. The event is passed on as stored: the domain's evolve
 * brings its ids and times into the record's canonical form, as it does for every other reader. Pure.
 * @throws PoisonEventError for an unknown type, an invalid payload, or a payload whose record id
 *   is not the one its stream names.
 * @example
 * const d = decodeEvent(recorded); // { kind: 'publishing_record', id, event }
 */
export function decodeEvent(event: RecordedEvent): DecodedEvent {
  if (IGNORED_EVENT_TYPES.has(event.type)) return { kind: 'ignored' };
  if (isPublishingRecordEvent(event)) {
    check(event, publishingRecordValidators);
    const id = event.data.record_id.toLowerCase();
    if (streamId(event.stream, 'publishing_record')?.toLowerCase() !== id) {
      throw new PoisonEventError(event, `record_id ${id} does not belong to stream ${event.stream}`);
    }
    return { kind: 'publishing_record', id, event };
  }
  if (isDeploymentEvent(event)) {
    check(event, deploymentValidators);
    const id = event.data.deployment_id.toLowerCase();
    if (streamId(event.stream, 'deployment')?.toLowerCase() !== id) {
      throw new PoisonEventError(event, `deployment_id ${id} does not belong to stream ${event.stream}`);
    }
    return { kind: 'deployment', id, event };
  }
  throw new PoisonEventError(event, `unknown event type ${JSON.stringify(event.type)}`);
}
