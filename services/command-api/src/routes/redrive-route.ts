import { CommandHeaders, IdParams, RedriveBody, RedriveResult, SuccessEnvelope } from '@publisher/contracts';
import { canonicalId, type RecordAggregate } from '@publisher/domain';
import { errorResponses, etagOf, success, type Tenant, type TypeBoxFastify } from '@publisher/platform';
import type { Static, TSchema } from 'typebox';
import type { CommandDeps } from '../handlers/command-handler.ts';
import { assertMayRedrive, type RedriveAction, type RedriveOutcome, runRedrive } from '../handlers/redrive.ts';
import { parseIfMatch } from '../if-match.ts';
import { commandContext } from '../metadata.ts';
import { COMMAND_ERRORS } from './responses.ts';

export interface RedriveRoute<
  State extends { status: string },
  Existing extends State & Tenant,
  Command,
  Event,
  Representation extends TSchema,
> {
  /** Relative to the resource, e.g. `/:id/republish`. */
  url: string;
  action: RedriveAction;
  tags: string[];
  summary: string;
  /** The resource's representation (the result carries the record after the re-drive). */
  representation: Representation;
  spec: RecordAggregate<State, Existing, Command, Event & { type: string; data: unknown }, Static<Representation>>;
  deps: CommandDeps<State>;
  /** The domain command for a reason (and, for a republish, the replay id it carries). */
  toCommand: (reason: string, replayId: string) => Command;
  /** One sentence for the answer: what follows from the re-drive (`dryRun`: what would). */
  effect: (outcome: RedriveOutcome<Existing>, dryRun: boolean) => string;
}

/**
 * Registers one re-drive (`POST /:id/republish|redeliver`, body `{ reason, dry_run? }`): 202 when
 * recorded (the relay or the worker carries it out), 200 for a dry run (nothing stored or sent).
 * Roles as `assertMayRedrive`; a record the caller cannot see is 404; If-Match is honoured.
 * @example
 * redriveRoute(fastify, { url: '/:id/redeliver', action: 'redeliver', … });
 */
export function redriveRoute<
  State extends { status: string },
  Existing extends State & Tenant,
  Command,
  Event,
  Representation extends TSchema,
>(fastify: TypeBoxFastify, route: RedriveRoute<State, Existing, Command, Event, Representation>): void {
  // Widened: the call site checks `represent` against the schema, and Fastify's types cannot
  // resolve a response schema generic in it.
  const Response: TSchema = SuccessEnvelope(RedriveResult(route.representation));
  fastify.route({
    method: 'POST',
    url: route.url,
    schema: {
      tags: route.tags,
      summary: route.summary,
      description:
        'A re-drive (support): recorded as an event in the record’s stream with the caller, the request and ' +
        '`reason`, so the history shows it. `dry_run: true` answers exactly what would happen and changes nothing.',
      params: IdParams,
      headers: CommandHeaders,
      body: RedriveBody,
      response: {
        200: { ...Response, description: 'dry run: what would be recorded and sent; nothing was' },
        202: { ...Response, description: 'recorded; the relay or the publishing worker carries it out' },
        ...errorResponses([...COMMAND_ERRORS, 404, 409, 412]),
      },
    },
    handler: async (request, reply) => {
      assertMayRedrive(request.principal, route.action);
      const id = canonicalId(request.params.id);
      const body = request.body;
      const dryRun = body.dry_run === true;
      const outcome = await runRedrive(route.deps, route.spec, {
        id,
        action: route.action,
        command: (replayId) => route.toCommand(body.reason, replayId),
        dryRun,
        ifMatch: parseIfMatch(request.headers['if-match']),
        ctx: commandContext(request),
      });
      reply.code(dryRun ? 200 : 202);
      if (outcome.position !== null)
        reply.header('etag', etagOf(outcome.revision)).header('x-position', outcome.position);
      return success(request, {
        dry_run: dryRun,
        action: route.action,
        effect: route.effect(outcome, dryRun),
        event: outcome.event,
        record: route.spec.represent(outcome.record, outcome.revision),
        ...(outcome.replay && { replay: outcome.replay }),
      });
    },
  });
}

/** The `effect` sentence of a republish. */
export function republishEffect(what: string, outcome: RedriveOutcome<unknown>, dryRun: boolean): string {
  const n = outcome.replay?.events.length ?? 0;
  return dryRun
    ? `would have the relay re-send ${n} events of ${what} to Kafka with their original event ids, marked as replays; nothing was recorded`
    : `the relay re-sends ${n} events of ${what} to Kafka with their original event ids, marked as replays with replay-id ${outcome.replay?.replay_id}`;
}
