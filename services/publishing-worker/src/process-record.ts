import type { IntegrationEvent } from '@publisher/contracts';
import { credentialProblem, isCredentialName } from '@publisher/destination-policy';
import { inSpan, SpanKind } from '@publisher/telemetry';
import type { Logger } from 'pino';
import { cleanText } from './clean-text.ts';
import type { CommandClient, CommandOutcome } from './command-client.ts';
import type { Destinations } from './destinations/index.ts';
import type { DeliveryResult } from './destinations/types.ts';
import { isWorkerError, OutcomeNotRecordedError, type UnrecordedOutcome } from './errors.ts';

/** Events after which a record is pending: the worker's cue to publish it. */
const PENDING_EVENT_TYPES: ReadonlySet<string> = new Set([
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
 * Throws `COMMAND_API_UNAVAILABLE` / `COMMAND_API_REJECTED` when the claim cannot be made (the
 * message is kept and tried again), and `OutcomeNotRecordedError` when the destination answered but
 * the outcome could not be recorded (the message is dead-lettered with the outcome).
 *
 * @example
 * const outcome = await publishRecord(event, { commands, destinations, logger });
 */
export async function publishRecord(
  event: IntegrationEvent,
  deps: {
    commands: CommandClient;
    destinations: Destinations;
    logger: Logger;
    signal?: AbortSignal;
    /** Told every delivery attempt: the adapter's name (`unknown` without one), outcome and seconds. */
    onDelivery?: (destination: string, outcome: 'published' | 'failed', seconds: number) => void;
  },
): Promise<PublishOutcome> {
  if (!PENDING_EVENT_TYPES.has(event.event_type)) return { outcome: 'skipped', reason: event.event_type };
  const { commands, destinations, logger } = deps;
  const log = logger.child({ record_id: event.record_id, event_id: event.event_id });
  // The worker's commands join the chain of the request that made the record pending, and name
  // the event they react to as their cause.
  const cause = { correlationId: event.correlation_id, causationId: event.event_id };

  const claim = await commands.start(event.record_id, event.account_id, cause);
  if (claim.kind === 'refused') {
    log.debug({ status: claim.status, code: claim.code }, 'claim refused; nothing to do');
    return { outcome: 'skipped', reason: `start answered ${claim.status} ${claim.code}` };
  }
  const record = claim.record;
  const adapter = destinations.get(record.destination);
  let outcome: UnrecordedOutcome;
  const started = performance.now();
  if (!adapter) {
    const known = [...destinations.keys()].join(', ');
    outcome = { outcome: 'failed', error: `no adapter for destination "${record.destination}" (known: ${known})` };
  } else {
    const attributes = { 'publisher.destination': record.destination, 'publisher.attempt': record.attempts };
    outcome = await inSpan(`deliver ${record.destination}`, { kind: SpanKind.CLIENT, attributes }, async () => {
      try {
        return usableResult(await adapter.deliver(record, { attempt: record.attempts, signal: deps.signal }), log);
      } catch (err) {
        if (!isWorkerError(err, 'DELIVERY_FAILED')) log.error({ err }, 'adapter failed unexpectedly');
        const message = isWorkerError(err, 'DELIVERY_FAILED') ? err.message : 'unexpected error in the worker';
        return { outcome: 'failed' as const, error: message };
      }
    });
  }
  // The adapter's name, not the record's text: a label takes only the registry's few values.
  deps.onDelivery?.(adapter ? record.destination : 'unknown', outcome.outcome, (performance.now() - started) / 1000);

  // From here the record is ours and the destination has answered: the outcome is retried within
  // its budget; past it (or when refused outright) the message is dead-lettered with the outcome.
  let recorded: CommandOutcome;
  try {
    recorded =
      outcome.outcome === 'published'
        ? await commands.succeed(record.id, record.account_id, outcome, cause)
        : await commands.fail(record.id, record.account_id, outcome.error, cause);
  } catch (err) {
    if (isWorkerError(err, 'COMMAND_API_UNAVAILABLE') || isWorkerError(err, 'COMMAND_API_REJECTED')) {
      throw new OutcomeNotRecordedError(record.id, outcome, err);
    }
    throw err;
  }
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

/**
 * The adapter's result as the command API accepts it (same bounds as `succeed`): a success, since
 * the destination took the content. What the destination says is cleaned before it is recorded —
 * kept in the record's history for ever and sent on Kafka: a URL loses a user name, a password and
 * query parameters named like credentials; one still unusable (not http(s), over 2048 characters)
 * gives way to `fallback_url`; an id that is a credential, or empty once NUL and lone surrogates
 * are out, is not recorded. What was dropped is logged (what, not the value).
 */
function usableResult(result: DeliveryResult, log: Logger): UnrecordedOutcome {
  const dropped: string[] = [];
  let url = recordableUrl(result.external_url, dropped);
  if (url === null) {
    dropped.push('external_url (unusable)');
    url = recordableUrl(result.fallback_url, dropped) ?? result.fallback_url;
  }
  let id = result.external_id === null ? null : cleanText(result.external_id, 255) || null;
  if (id !== null && credentialProblem(id) !== null) {
    dropped.push('external_id (a credential)');
    id = null;
  }
  if (dropped.length > 0) log.warn({ dropped }, 'parts of the destination’s answer were not recorded');
  return { outcome: 'published', external_url: url, external_id: id };
}

/** `raw` as a recordable http(s) URL without credentials (noted in `dropped`), or null. */
function recordableUrl(raw: string, dropped: string[]): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') {
    url.username = '';
    url.password = '';
    dropped.push('external_url user name and password');
  }
  for (const name of [...url.searchParams.keys()]) {
    if (!isCredentialName(name)) continue;
    url.searchParams.delete(name);
    dropped.push(`external_url query parameter ${name}`);
  }
  // `href` is ASCII only: anything else is percent-encoded.
  return url.href.length > 2048 ? null : url.href;
}
