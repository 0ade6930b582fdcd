import { PublishingRecordRepresentation, SuccessEnvelope } from '@publisher/contracts';
import { type BackoffPolicy, createBackoff, errorName, sleep } from '@publisher/coordination';
import { API_PREFIX } from '@publisher/platform';
import { injectTraceparent, inSpan, SpanKind } from '@publisher/telemetry';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { cleanText } from './clean-text.ts';
import { WorkerError } from './errors.ts';

/**
 * The command API's answers as the contracts define them, checked rather than trusted: a 2xx whose
 * body is not a record (a proxy's page, a truncated body) is retried like an unanswered attempt.
 */
const APPLIED = Compile(SuccessEnvelope(PublishingRecordRepresentation));
/**
 * What an error answer says (its code and message), read when present: only for the refusal and the
 * log. Any string as the code: a newer command API may answer with one this worker does not know.
 */
const REFUSED = Compile(Type.Partial(Type.Object({ code: Type.String(), error: Type.String() })));

/** The outcome of one command: applied (with the record after it), or refused by the record's state. */
export type CommandOutcome =
  | { kind: 'applied'; record: PublishingRecordRepresentation }
  /** 404: unknown or deleted; 409: illegal transition (someone else claimed it, or it moved on). */
  | { kind: 'refused'; status: 404 | 409; code: string; message: string };

/** Which workflow a command belongs to and what caused it (the Kafka event the worker reacts to). */
interface CommandCause {
  correlationId: string;
  causationId: string;
}

export interface CommandClient {
  /** `pending → publishing`: the claim. A 409 means another worker (or a person) has it. */
  start(recordId: string, accountId: number, cause: CommandCause): Promise<CommandOutcome>;
  succeed(
    recordId: string,
    accountId: number,
    result: { external_url: string; external_id: string | null },
    cause: CommandCause,
  ): Promise<CommandOutcome>;
  fail(recordId: string, accountId: number, error: string, cause: CommandCause): Promise<CommandOutcome>;
}

export interface CommandClientOptions {
  /** e.g. `http://127.0.0.1:3000` (the base path is added here). */
  baseUrl: string;
  token(accountId: number): string;
  /** Per request. */
  timeoutMs: number;
  /** How long to keep retrying an unavailable command API for a claim before giving the message back. */
  retryBudgetMs: number;
  /**
   * How long `succeed`/`fail` are retried while the command API answers 429/5xx or not at all. The
   * destination has answered by then, so the outcome is worth more patience than a claim, but not
   * unbounded patience: one record's outcome must not hold its tenant's slots forever.
   */
  outcomeRetryBudgetMs: number;
  /** Stops any retrying (the worker shuts down). */
  signal?: AbortSignal;
  logger: Logger;
}

/** Answers worth retrying: the API or its database is down or busy. */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);
/** From 200 ms, doubling up to 5 s; jittered so the slots waiting on the same outage do not call back together. */
const RETRY: BackoffPolicy = { firstMs: 200, maxMs: 5000, jitter: 'full' };

/**
 * The worker writes only through the command API, so every change it makes is an ordinary,
 * validated command whose events name the worker (system_bot) as actor.
 *
 * @example
 * const commands = createCommandClient({ baseUrl: 'http://127.0.0.1:3000', token: tokens.forAccount, timeoutMs: 10_000, retryBudgetMs: 60_000, outcomeRetryBudgetMs: 120_000, logger });
 * const claim = await commands.start(recordId, accountId, cause);
 */
export function createCommandClient(options: CommandClientOptions): CommandClient {
  const base = `${options.baseUrl.replace(/\/+$/, '')}${API_PREFIX}/publishing-records`;

  /**
   * One command in a client span whose `traceparent` every attempt sends (the API continues it),
   * retried while the API is unavailable, within `budgetMs`.
   */
  function send(
    recordId: string,
    action: string,
    accountId: number,
    body: object,
    cause: CommandCause,
    budgetMs: number,
  ): Promise<CommandOutcome> {
    const attributes = { 'publisher.command': action, 'publisher.record_id': recordId };
    return inSpan(`command ${action}`, { kind: SpanKind.CLIENT, attributes }, async () => {
      const traceHeaders: Record<string, string> = {};
      injectTraceparent(traceHeaders);
      const url = `${base}/${encodeURIComponent(recordId)}/${action}`;
      const deadline = Date.now() + budgetMs;
      // Set once a request may have been applied without us seeing its result (no answer, or an unusable one).
      let ambiguous = false;
      const retry = createBackoff(RETRY);
      for (let attempt = 1; ; attempt++) {
        let status: number | null = null;
        let reason: string;
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${options.token(accountId)}`,
              'content-type': 'application/json',
              'x-correlation-id': cause.correlationId,
              'x-causation-id': cause.causationId,
              ...traceHeaders,
            },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(options.timeoutMs),
          });
          status = response.status;
          const answer: unknown = await response.json().catch(() => undefined);
          if (status >= 200 && status < 300) {
            if (APPLIED.Check(answer)) return { kind: 'applied' as const, record: answer.data };
            // Applied, perhaps, but the record it returns cannot be used: the same as an unanswered attempt.
            // The retry reads the record's state (a 409 after our own claim), so nothing is delivered twice.
            reason = `${status} with a body that is not a publishing record`;
            ambiguous = true;
          } else {
            const envelope = REFUSED.Check(answer) ? answer : undefined;
            if (status === 404 || status === 409) {
              if (ambiguous) {
                // Our own earlier attempt may have been applied (e.g. the claim): say so, an operator may need to act.
                options.logger.warn({ record_id: recordId, action, status }, 'refused after an unanswered attempt');
              }
              return {
                kind: 'refused' as const,
                status: status as 404 | 409,
                code: envelope?.code ?? String(status),
                message: envelope?.error ?? '',
              };
            }
            reason = `${status} ${envelope?.code ?? ''} ${envelope?.error ?? ''}`.trim();
            if (!RETRYABLE.has(status)) {
              throw new WorkerError('COMMAND_API_REJECTED', `command API refused ${action} of ${recordId}: ${reason}`);
            }
          }
        } catch (err) {
          if (err instanceof WorkerError) throw err;
          reason = errorName(err) === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : String(err);
          ambiguous = true;
        }
        const wait = retry.next();
        if (Date.now() + wait > deadline || options.signal?.aborted) {
          throw new WorkerError(
            'COMMAND_API_UNAVAILABLE',
            `command API unavailable for ${action} of ${recordId}: ${reason}`,
          );
        }
        options.logger.warn(
          { record_id: recordId, action, attempt, reason, retry_in_ms: wait },
          'command API call failed',
        );
        await sleep(wait, options.signal);
      }
    });
  }

  return {
    start: (recordId, accountId, cause) => send(recordId, 'start', accountId, {}, cause, options.retryBudgetMs),
    succeed: (recordId, accountId, result, cause) =>
      send(
        recordId,
        'succeed',
        accountId,
        result.external_id === null
          ? { external_url: result.external_url }
          : { external_url: result.external_url, external_id: result.external_id },
        cause,
        options.outcomeRetryBudgetMs,
      ),
    fail: (recordId, accountId, error, cause) =>
      send(
        recordId,
        'fail',
        accountId,
        { error: cleanText(error, 4000) || 'publishing failed' },
        cause,
        options.outcomeRetryBudgetMs,
      ),
  };
}
