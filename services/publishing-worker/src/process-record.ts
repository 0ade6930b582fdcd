import type { IntegrationEvent } from '@publisher/contracts';
import type { Logger } from 'pino';
import type { CommandClient } from './command-client.ts';
import type { Destinations } from './destinations/index.ts';
import { isWorkerError } from './errors.ts';

/** Events after which a record is pending: the worker's cue to publish it. */
export const PENDING_EVENT_TYPES: ReadonlySet<string> = new Set([
  'publisher.publishing_record.created',
  'publisher.publishing_record.retried',
]);

export type PublishOutcome =
  | { outcome: 'published'; external_url: string; external_id: string | null }
  | { outcome: 'failed'; error: string }
  /** Nothing to do: not a pending cue, or the claim was refused (taken, moved on, deleted). */
  | { outcome: 'skipped'; reason: string };

/**
 * Reacts to one public event: claims the record (`start`), delivers it through the adapter of its
 * destination, then records `succeed` or `fail`. The claim is what makes a duplicate delivery
 * harmless: only one `start` can move a record from pending to publishing.
 *
 * @example
 * const outcome = await publishRecord(event, { commands, destinations, logger });
 */
export async function publishRecord(
  event: IntegrationEvent,
  deps: { commands: CommandClient; destinations: Destinations; logger: Logger; signal?: AbortSignal },
): Promise<PublishOutcome> {
  if (!PENDING_EVENT_TYPES.has(event.event_type)) return { outcome: 'skipped', reason: event.event_type };
  const { commands, destinations, logger } = deps;
  const log = logger.child({ record_id: event.record_id, event_id: event.event_id });
  // The worker's commands join the chain of the request that made the record pending.
  const correlation = event.correlation_id;

  const claim = await commands.start(event.record_id, event.account_id, correlation);
  if (claim.kind === 'refused') {
    log.debug({ status: claim.status, code: claim.code }, 'claim refused; nothing to do');
    return { outcome: 'skipped', reason: `start answered ${claim.status} ${claim.code}` };
  }
  const record = claim.record;
  const adapter = destinations.get(record.destination);
  let outcome: PublishOutcome;
  if (!adapter) {
    const known = [...destinations.keys()].join(', ');
    outcome = { outcome: 'failed', error: `no adapter for destination "${record.destination}" (known: ${known})` };
  } else {
    try {
      const result = await adapter.deliver(record, { attempt: record.attempts, signal: deps.signal });
      const invalid = invalidResult(result);
      // The command API would refuse such a result (400) and the record would stay publishing.
      outcome = invalid ? { outcome: 'failed', error: invalid } : { outcome: 'published', ...result };
    } catch (err) {
      if (!isWorkerError(err, 'DELIVERY_FAILED')) log.error({ err }, 'adapter failed unexpectedly');
      const message = isWorkerError(err, 'DELIVERY_FAILED')
        ? err.message
        : `unexpected error: ${(err as Error).message}`;
      outcome = { outcome: 'failed', error: message };
    }
  }

  // From here the record is ours and the destination has answered: the outcome must be recorded,
  // so the client keeps retrying while the command API is down (see CommandClient.record*).
  const recorded =
    outcome.outcome === 'published'
      ? await commands.succeed(record.id, record.account_id, outcome, correlation)
      : await commands.fail(record.id, record.account_id, (outcome as { error: string }).error, correlation);
  if (recorded.kind === 'refused') {
    log.warn(
      { status: recorded.status, code: recorded.code, outcome: outcome.outcome },
      'outcome refused by the record',
    );
  }
  log.info(
    { destination: record.destination, ...outcome },
    outcome.outcome === 'published' ? 'published' : 'publishing failed',
  );
  return outcome;
}

/** Why `succeed` would refuse an adapter's result (same bounds as the command API), or null. */
function invalidResult(result: { external_url: string; external_id: string | null }): string | null {
  if (!/^https?:\/\//i.test(result.external_url) || result.external_url.length > 2048) {
    return `the destination answered an unusable external URL (${result.external_url.slice(0, 100)})`;
  }
  if (result.external_id !== null && (result.external_id.length < 1 || result.external_id.length > 255)) {
    return 'the destination answered an external id longer than 255 characters';
  }
  return null;
}
