import type { DecideContext } from '../decide-context.ts';
import { assertNever, FieldChecks } from '../validation.ts';

/*
 * Re-drives of a consumer's dead-letter topic (stream `dead_letters-{dead-letter topic}`): messages
 * copied back to the topic they came from, recorded with who, why and when. The stream remembers
 * which dead-letter messages (partition, offset) were re-driven, so one is never re-driven twice by
 * mistake and a listing can say which are still waiting.
 */

/** A message of the dead-letter topic, where it came from, and why it was dead-lettered. */
export interface DeadLetterRef {
  partition: number;
  offset: string;
  source_topic: string;
  /** The `event-id` header, when the message had one. */
  event_id: string | null;
  /** The `dlq-reason` header (an error code). */
  dlq_reason: string | null;
}

interface RedriveDeadLetters {
  type: 'RedriveDeadLetters';
  data: { dead_letter_topic: string; redrive_id: string; messages: DeadLetterRef[]; reason: string };
}

export type DeadLettersCommand = RedriveDeadLetters;

/** The messages were written back to their source topics (the broker acknowledged them). */
interface DeadLettersRedriven {
  type: 'DeadLettersRedriven';
  data: RedriveDeadLetters['data'] & { at: string };
}

export type DeadLettersEvent = DeadLettersRedriven;

/** Every dead-letter event type: internal, never published, never projected. */
export const deadLettersEventTypes: ReadonlySet<string> = new Set<DeadLettersEvent['type']>(['DeadLettersRedriven']);

/** The stream of one dead-letter topic's re-drives. */
export const deadLettersStream = (deadLetterTopic: string): string => `dead_letters-${deadLetterTopic}`;

/** `partition:offset` → the re-drive that sent the message back. */
export interface DeadLettersState {
  redriven: ReadonlyMap<string, { redrive_id: string; at: string }>;
}

export const initialDeadLettersState: DeadLettersState = Object.freeze({ redriven: new Map() });

/** The key of a dead-letter message in `DeadLettersState.redriven`. */
export const deadLetterKey = (m: Pick<DeadLetterRef, 'partition' | 'offset'>): string => `${m.partition}:${m.offset}`;

export function evolveDeadLetters(state: DeadLettersState, event: DeadLettersEvent): DeadLettersState {
  switch (event.type) {
    case 'DeadLettersRedriven': {
      const redriven = new Map(state.redriven);
      for (const m of event.data.messages) {
        redriven.set(deadLetterKey(m), { redrive_id: event.data.redrive_id, at: event.data.at });
      }
      return { redriven };
    }
    default:
      return assertNever(event.type, 'dead-letters event');
  }
}

/** Whether a stored event is a dead-letter topic's re-drive (by its type). */
function isDeadLettersEvent<E extends { type: string }>(event: E): event is E & DeadLettersEvent {
  return deadLettersEventTypes.has(event.type);
}

/** Folds a dead-letter topic's stream as stored; an event of another type is refused, as `evolveDeadLetters` refuses it. */
export function foldDeadLetters(events: Iterable<{ type: string; data: unknown }>): DeadLettersState {
  let state = initialDeadLettersState;
  for (const event of events) {
    if (!isDeadLettersEvent(event)) throw new Error(`unexpected dead-letters event: ${JSON.stringify(event.type)}`);
    state = evolveDeadLetters(state, event);
  }
  return state;
}

/**
 * Decides a re-drive: refused (VALIDATION) without messages, with a message twice, or with a
 * message an earlier re-drive already sent back (named with that re-drive's id).
 * @example
 * decideDeadLetters({ type: 'RedriveDeadLetters', data }, foldDeadLetters(history), { at })
 */
export function decideDeadLetters(
  command: DeadLettersCommand,
  state: DeadLettersState,
  context: DecideContext,
): DeadLettersEvent[] {
  const d = command.data;
  const checks = new FieldChecks();
  checks.nonEmpty('dead_letter_topic', d.dead_letter_topic);
  checks.uuid('redrive_id', d.redrive_id);
  checks.reason('reason', d.reason);
  if (d.messages.length === 0) checks.add('messages', 'must name at least one message');
  const seen = new Set<string>();
  for (const m of d.messages) {
    const key = deadLetterKey(m);
    if (!Number.isInteger(m.partition) || m.partition < 0 || !/^\d+$/.test(m.offset)) {
      checks.add('messages', `${key} is not a partition and offset`);
    }
    if (m.source_topic.trim() === '' || m.source_topic === d.dead_letter_topic) {
      checks.add('messages', `${key} has no source topic to go back to`);
    }
    if (seen.has(key)) checks.add('messages', `${key} is named twice`);
    seen.add(key);
    const earlier = state.redriven.get(key);
    if (earlier) checks.add('messages', `${key} was already re-driven by ${earlier.redrive_id} at ${earlier.at}`);
  }
  checks.throwIfAny();
  switch (command.type) {
    case 'RedriveDeadLetters':
      return [
        { type: 'DeadLettersRedriven', data: { ...d, messages: d.messages.map((m) => ({ ...m })), at: context.at } },
      ];
    default:
      return assertNever(command.type, 'dead-letters command');
  }
}
