/**
 * Streams.Read for the stand-in: stream reads, $all reads, and catch-up subscriptions to $all
 * (confirmation, catch-up, caught-up, live, server-side filter with checkpoints), following
 * EventStoreDB's documented semantics. Stream subscriptions are not implemented (the adapter
 * never uses them) and answer UNIMPLEMENTED.
 */
import { randomUUID } from 'node:crypto';
import { type ServerWritableStream, status } from '@grpc/grpc-js';
import type { MemoryLog, StoredEvent } from './memory-log.ts';
import { type ReadReq, type ReadResp, streamIdentifier, streamName, streamsPb, writeUuid } from './protocol.ts';

type ReadCall = ServerWritableStream<ReadReq, ReadResp>;
type Options = NonNullable<ReturnType<ReadReq['getOptions']>>;

const { ReadReq: ReadReqClass, ReadResp: ReadRespClass } = streamsPb;
const OptionCase = ReadReqClass.Options;
/** EventStoreDB's default filter search window; a checkpoint is sent every `multiplier × window` scanned events. */
const FILTER_WINDOW = 32;

export function createReadHandler(log: MemoryLog) {
  return (call: ReadCall): void => {
    const options = call.request.getOptions();
    const problem = options ? unsupported(options) : { code: status.INVALID_ARGUMENT, details: 'options are required' };
    if (problem || !options) {
      call.emit('error', problem);
      return;
    }
    try {
      const onAll = options.getStreamOptionCase() === OptionCase.StreamOptionCase.ALL;
      if (!onAll) readStream(log, call, options);
      else if (options.getCountOptionCase() === OptionCase.CountOptionCase.SUBSCRIPTION)
        subscribeToAll(log, call, options);
      else readAll(log, call, options);
    } catch (err) {
      call.emit('error', { code: status.INVALID_ARGUMENT, details: (err as Error).message });
    }
  };
}

/** Requests outside what the stand-in (or EventStoreDB) serves, as the status to answer. */
function unsupported(options: Options): { code: status; details: string } | undefined {
  const streamCase = options.getStreamOptionCase();
  if (streamCase === OptionCase.StreamOptionCase.ALL) return undefined;
  if (streamCase !== OptionCase.StreamOptionCase.STREAM) {
    return { code: status.INVALID_ARGUMENT, details: 'stream or $all is required' };
  }
  if (options.getCountOptionCase() === OptionCase.CountOptionCase.SUBSCRIPTION) {
    return { code: status.UNIMPLEMENTED, details: 'stream subscriptions are not in the stand-in' };
  }
  if (options.hasFilter()) return { code: status.INVALID_ARGUMENT, details: 'filters apply to $all only' };
  return undefined;
}

function readStream(log: MemoryLog, call: ReadCall, options: Options): void {
  const streamOptions = options.getStream()!;
  const name = streamName(streamOptions.getStreamIdentifier());
  const events = log.readStream(name);
  if (!events) {
    const notFound = new ReadRespClass.StreamNotFound().setStreamIdentifier(streamIdentifier(name));
    call.write(new ReadRespClass().setStreamNotFound(notFound));
    call.end();
    return;
  }
  const count = readCount(options);
  const backwards = options.getReadDirection() === OptionCase.ReadDirection.BACKWARDS;
  const last = events.length - 1;
  const Case = OptionCase.StreamOptions.RevisionOptionCase;
  const revisionCase = streamOptions.getRevisionOptionCase();
  const from =
    revisionCase === Case.START
      ? 0
      : revisionCase === Case.END
        ? backwards
          ? last
          : events.length
        : Number(streamOptions.getRevision());
  const selected = backwards
    ? events.slice(Math.max(0, Math.min(from, last) - count + 1), Math.min(from, last) + 1).reverse()
    : events.slice(from, from + count);
  for (const event of selected) call.write(eventResponse(event, options));
  call.end();
}

function readAll(log: MemoryLog, call: ReadCall, options: Options): void {
  const count = readCount(options);
  const matches = eventFilter(options);
  const allOptions = options.getAll()!;
  const Case = OptionCase.AllOptions.AllOptionCase;
  const backwards = options.getReadDirection() === OptionCase.ReadDirection.BACKWARDS;
  let index: number;
  if (allOptions.getAllOptionCase() === Case.START) index = backwards ? -1 : 0;
  else if (allOptions.getAllOptionCase() === Case.END) index = backwards ? log.all.length - 1 : log.all.length;
  else {
    // Forwards reads include the event at the given position; backwards reads start before it.
    const atOrAfter = firstIndexAtOrAfter(log, allOptions.getPosition()!);
    index = backwards ? atOrAfter - 1 : atOrAfter;
  }
  let sent = 0;
  while (sent < count && index >= 0 && index < log.all.length) {
    const event = log.all[index]!;
    if (matches(event)) {
      call.write(eventResponse(event, options));
      sent += 1;
    }
    index += backwards ? -1 : 1;
  }
  call.end();
}

function subscribeToAll(log: MemoryLog, call: ReadCall, options: Options): void {
  const matches = eventFilter(options);
  const filter = options.hasFilter() ? options.getFilter()! : undefined;
  const checkpointEvery = filter ? Math.max(1, filter.getCheckpointintervalmultiplier()) * FILTER_WINDOW : 0;
  const allOptions = options.getAll()!;
  const Case = OptionCase.AllOptions.AllOptionCase;
  let start: number;
  if (allOptions.getAllOptionCase() === Case.START) start = 0;
  else if (allOptions.getAllOptionCase() === Case.END) start = log.all.length;
  else {
    // A subscription from a position delivers the events strictly after it.
    const position = allOptions.getPosition()!;
    start = firstIndexAtOrAfter(log, position);
    const at = log.all[start];
    if (at && at.position === BigInt(position.getCommitPosition())) start += 1;
  }

  let scanned = 0;
  const deliver = (event: StoredEvent) => {
    if (matches(event)) call.write(eventResponse(event, options));
    scanned += 1;
    if (checkpointEvery > 0 && scanned % checkpointEvery === 0) {
      const checkpoint = new ReadRespClass.Checkpoint()
        .setCommitPosition(event.position.toString())
        .setPreparePosition(event.position.toString());
      call.write(new ReadRespClass().setCheckpoint(checkpoint));
    }
  };

  call.write(
    new ReadRespClass().setConfirmation(new ReadRespClass.SubscriptionConfirmation().setSubscriptionId(randomUUID())),
  );
  // Catch-up and the switch to live happen in one synchronous step, so no append falls between them.
  for (let i = start; i < log.all.length; i++) deliver(log.all[i]!);
  call.write(new ReadRespClass().setCaughtUp(new ReadRespClass.CaughtUp()));
  const unsubscribe = log.onAppend(deliver);
  const stop = () => unsubscribe();
  call.on('cancelled', stop);
  call.on('close', stop);
  call.on('error', stop);
}

function eventResponse(event: StoredEvent, options: Options): ReadResp {
  const structured = options.getUuidOption()?.hasStructured() ?? false;
  const position = event.position.toString();
  const recorded = new ReadRespClass.ReadEvent.RecordedEvent()
    .setId(writeUuid(event.id, structured))
    .setStreamIdentifier(streamIdentifier(event.stream))
    .setStreamRevision(String(event.revision))
    .setCommitPosition(position)
    .setPreparePosition(position)
    .setData(event.data)
    .setCustomMetadata(event.customMetadata);
  const metadata = recorded.getMetadataMap();
  metadata.set('type', event.type);
  metadata.set('content-type', event.contentType);
  metadata.set('created', event.created.toString());
  const readEvent = new ReadRespClass.ReadEvent().setEvent(recorded).setCommitPosition(position);
  return new ReadRespClass().setEvent(readEvent);
}

function eventFilter(options: Options): (event: StoredEvent) => boolean {
  if (!options.hasFilter()) return () => true;
  const filter = options.getFilter()!;
  const FilterCase = OptionCase.FilterOptions.FilterCase;
  const onType = filter.getFilterCase() === FilterCase.EVENT_TYPE;
  const expression = onType ? filter.getEventType() : filter.getStreamIdentifier();
  if (!expression) throw new Error('filter expression is required');
  const field = (event: StoredEvent) => (onType ? event.type : event.stream);
  const regex = expression.getRegex();
  if (regex) {
    const pattern = new RegExp(regex);
    return (event) => pattern.test(field(event));
  }
  const prefixes = expression.getPrefixList();
  return (event) => prefixes.some((prefix) => field(event).startsWith(prefix));
}

function readCount(options: Options): number {
  const count = BigInt(options.getCount() || '0');
  return count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
}

/** Positions compare by commit, then prepare; stand-in events have both equal to `event.position`. */
function firstIndexAtOrAfter(log: MemoryLog, position: { getCommitPosition(): string; getPreparePosition(): string }) {
  const commit = BigInt(position.getCommitPosition());
  const prepare = BigInt(position.getPreparePosition());
  let index = log.indexAtOrAfter(commit);
  const at = log.all[index];
  if (at && at.position === commit && at.position < prepare) index += 1;
  return index;
}
