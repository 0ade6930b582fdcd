/**
 * The event-store port: one interface, two adapters (PostgreSQL, EventStoreDB), one contract suite.
 * See this package's README, "The port".
 */

import { POSITION_PATTERN } from '@publisher/contracts/position-pattern';

/** The roles of `@publisher/contracts`, kept here so event metadata is typed without HTTP code. */
export type Role = 'viewer' | 'editor' | 'admin' | 'owner' | 'support' | 'developer' | 'system_bot';

/** Metadata every stored event carries. The event id lives beside it as `RecordedEvent.id`. */
export interface EventMetadata {
  correlation_id: string;
  causation_id: string | null;
  actor: { user_id: string; role: Role };
  tenant: { account_id: number; site_id: number; sector_id: number | null };
  request_id: string | null;
  /** ISO-8601 timestamp, decided by the command side (not the store). */
  occurred_at: string;
  schema_version: number;
  /** W3C trace context of the command that wrote the event, when tracing is on. */
  traceparent?: string;
}

export interface NewEvent<Type extends string = string, Data = Record<string, unknown>> {
  /** UUID chosen by the writer; re-appending the same id does not store the event twice. */
  id: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
}

/**
 * Opaque, totally ordered token naming a place in the global log. Both adapters encode it as
 * two fixed-width lower-case hex numbers `xxxxxxxxxxxxxxxx-yyyyyyyyyyyyyyyy`, so plain string
 * comparison orders positions (see `comparePositions`).
 */
export type Position = string;

export interface RecordedEvent<Type extends string = string, Data = Record<string, unknown>> {
  id: string;
  stream: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  /** 0-based index of the event in its stream. */
  revision: number;
  position: Position;
  /** When the store recorded it. */
  recorded_at: Date;
}

/**
 * Expected state of the stream before an append:
 * - `'no_stream'`: the stream must not exist;
 * - `'any'`: no check;
 * - `'stream_exists'`: the stream must have at least one event;
 * - a number: the revision of the stream's last event.
 */
export type ExpectedRevision = 'no_stream' | 'any' | 'stream_exists' | number;

export interface AppendResult {
  /** Revision of the last event of the stream after the append. */
  next_revision: number;
  /** Position of the last appended event (comparable with subscription checkpoints). */
  position: Position;
}

export interface ReadStreamOptions {
  /** Revision to start from (inclusive); default: the start (forwards) or the end (backwards). */
  from?: number | 'start' | 'end';
  direction?: 'forwards' | 'backwards';
  /** Maximum number of events; default: all. */
  limit?: number;
}

export interface ReadAllOptions {
  /** Read events strictly after this checkpoint; null or undefined: from the very start. */
  after?: Position | null;
  limit?: number;
}

export interface SubscribeOptions extends ReadAllOptions {
  /** Maximum events per delivered batch (default 500). */
  batch_size?: number;
  /** Stops the subscription; the iterator then ends without error. */
  signal?: AbortSignal;
  /** Called once each time the subscriber has read everything committed so far (catch-up → live). */
  on_caught_up?: () => void;
}

export interface EventStore {
  /**
   * Appends events to a stream if it is at the expected revision.
   * @throws WrongExpectedVersionError (code `WRONG_EXPECTED_VERSION`) on a mismatch.
   * @throws EventStoreUnavailableError (code `EVENT_STORE_UNAVAILABLE`) when the store cannot be reached.
   */
  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /** Reads a stream; an unknown stream gives an empty array. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Reads the global log, in global order, strictly after `after`. Never returns a position that a later reader could find preceded by a newly visible event. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * Catch-up then live subscription to the global log, strictly after `after`, delivered in
   * batches in global order. It never skips an event, including one whose transaction commits
   * after an event with a later position.
   */
  subscribe(options?: SubscribeOptions): AsyncIterable<RecordedEvent[]>;
  /** The position of the newest event visible to readers, or null when the log is empty. */
  headPosition(): Promise<Position | null>;
  /**
   * The position of the newest committed event, or null when the log is empty. It can be ahead of
   * `headPosition` in a store whose readers wait for older transactions still open (PostgreSQL):
   * the answer to "is this position in the log?" — a position a client got from its own append
   * always is — while `headPosition` answers "can readers see it yet?".
   */
  committedHeadPosition(): Promise<Position | null>;
  /** Cheap check that the store is reachable (for /ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Orders two positions; null (the start) sorts before everything. */
export function comparePositions(a: Position | null, b: Position | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

const POSITION_RE = new RegExp(POSITION_PATTERN);

/** True when `value` is a syntactically valid position token. */
export function isPosition(value: string): boolean {
  return POSITION_RE.test(value);
}

/** Encodes two unsigned 64-bit integers as a position token. */
export function encodePosition(high: bigint, low: bigint): Position {
  return `${high.toString(16).padStart(16, '0')}-${low.toString(16).padStart(16, '0')}`;
}

/** Decodes a position token into its two integers. */
export function decodePosition(position: Position): { high: bigint; low: bigint } {
  const [h, l] = position.split('-');
  return { high: BigInt(`0x${h}`), low: BigInt(`0x${l}`) };
}
