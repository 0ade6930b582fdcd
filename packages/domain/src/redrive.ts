import type { DeploymentRepublishRequested } from './deployment/events.ts';
import type { PublishingRecordRepublishRequested } from './publishing-record/events.ts';

/**
 * The events that ask the relay to re-send a record's stream. They are internal (never published
 * themselves), and a replay re-sends the stream's other events, never these.
 * @example
 * const replayed = stream.filter((e) => !republishRequestEventTypes.has(e.type));
 */
export const republishRequestEventTypes: ReadonlySet<string> = new Set<
  PublishingRecordRepublishRequested['type'] | DeploymentRepublishRequested['type']
>(['PublishingRecordRepublishRequested', 'DeploymentRepublishRequested']);
