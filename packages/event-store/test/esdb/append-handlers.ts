/**
 * Streams.Append (client-streaming: options, then proposed messages) and Streams.BatchAppend
 * (bidirectional: correlated chunks, the last one `is_final`) for the stand-in. Both answer the
 * way KurrentDB's gRPC layer does: success with the stream's current revision and the $all
 * position, or a wrong-expected-version result carrying the current and expected revisions.
 */
import {
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServiceError,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import {
  EXPECTED_ANY,
  EXPECTED_NO_STREAM,
  EXPECTED_STREAM_EXISTS,
  type MemoryLog,
  type ProposedEvent,
  type WriteOutcome,
} from './memory-log.ts';
import {
  type AppendOptions,
  type AppendProposedMessage,
  type AppendReq,
  type AppendResp,
  type AppendWrongExpectedVersion,
  type BatchAppendOptions,
  type BatchAppendReq,
  type BatchAppendResp,
  googleEmptyPb,
  packAny,
  readUuid,
  sharedPb,
  statusPb,
  streamIdentifier,
  streamName,
  streamsPb,
  writeUuid,
} from './protocol.ts';

export interface AppendBehaviour {
  /**
   * EventStoreDB before KurrentDB's `IdempotentLogPosition` answered an idempotent write without
   * a position (`no_position`); false reproduces that older answer.
   */
  idempotentWritePosition: boolean;
}

interface ProposedMessage {
  getId(): ReturnType<AppendProposedMessage['getId']>;
  getMetadataMap(): { get(key: string): string | undefined };
  getData_asU8(): Uint8Array;
  getCustomMetadata_asU8(): Uint8Array;
}

export function createAppendHandler(log: MemoryLog, behaviour: AppendBehaviour) {
  const { AppendReq: Req, AppendResp: Resp } = streamsPb;
  return (call: ServerReadableStream<AppendReq, AppendResp>, callback: sendUnaryData<AppendResp>): void => {
    let target: { stream: string; expected: number } | undefined;
    const events: ProposedEvent[] = [];
    let failed = false;
    const reject = (code: status, details: string) => {
      if (failed) return;
      failed = true;
      callback(serviceError(code, details));
    };
    call.on('data', (req: AppendReq) => {
      if (failed) return;
      try {
        if (req.getContentCase() === Req.ContentCase.OPTIONS) {
          if (target) throw new Error('options sent twice');
          const options = req.getOptions()!;
          target = { stream: streamName(options.getStreamIdentifier()), expected: legacyExpected(options) };
        } else if (req.getContentCase() === Req.ContentCase.PROPOSED_MESSAGE) {
          if (!target) throw new Error('options must come first');
          events.push(proposedEvent(req.getProposedMessage()!));
        }
      } catch (err) {
        reject(status.INVALID_ARGUMENT, (err as Error).message);
      }
    });
    call.on('end', () => {
      if (failed) return;
      if (!target) return reject(status.INVALID_ARGUMENT, 'options are required');
      const outcome = log.write(target.stream, target.expected, events);
      const resp = new Resp();
      if (outcome.kind === 'wrong_expected_version') {
        resp.setWrongExpectedVersion(legacyWrongExpectedVersion(target.expected, outcome.currentRevision));
      } else {
        const success = new Resp.Success();
        if (outcome.lastRevision < 0) success.setNoStream(new sharedPb.Empty());
        else success.setCurrentRevision(String(outcome.lastRevision));
        if (hidePosition(outcome, behaviour)) success.setNoPosition(new sharedPb.Empty());
        else {
          const position = outcome.position.toString();
          success.setPosition(new Resp.Position().setCommitPosition(position).setPreparePosition(position));
        }
        resp.setSuccess(success);
      }
      callback(null, resp);
    });
  };
}

export function createBatchAppendHandler(log: MemoryLog, behaviour: AppendBehaviour) {
  const { BatchAppendResp: Resp } = streamsPb;
  return (call: ServerDuplexStream<BatchAppendReq, BatchAppendResp>): void => {
    const pending = new Map<string, { stream: string; expected: number; events: ProposedEvent[] }>();
    call.on('data', (req: BatchAppendReq) => {
      const correlationId = readUuid(req.getCorrelationId());
      const resp = new Resp().setCorrelationId(writeUuid(correlationId, false));
      try {
        if (req.hasOptions()) {
          const options = req.getOptions()!;
          pending.set(correlationId, {
            stream: streamName(options.getStreamIdentifier()),
            expected: batchExpected(options),
            events: [],
          });
        }
        const write = pending.get(correlationId);
        if (!write) return;
        for (const message of req.getProposedMessagesList()) write.events.push(proposedEvent(message));
        if (!req.getIsFinal()) return;
        pending.delete(correlationId);
        resp.setStreamIdentifier(streamIdentifier(write.stream));
        const outcome = log.write(write.stream, write.expected, write.events);
        if (outcome.kind === 'wrong_expected_version') {
          resp.setError(wrongExpectedVersionStatus(write.expected, outcome.currentRevision));
        } else {
          const success = new Resp.Success();
          if (outcome.lastRevision < 0) success.setNoStream(new googleEmptyPb.Empty());
          else success.setCurrentRevision(String(outcome.lastRevision));
          if (hidePosition(outcome, behaviour)) success.setNoPosition(new googleEmptyPb.Empty());
          else {
            const position = outcome.position.toString();
            success.setPosition(
              new sharedPb.AllStreamPosition().setCommitPosition(position).setPreparePosition(position),
            );
          }
          resp.setSuccess(success);
        }
      } catch (err) {
        pending.delete(correlationId);
        const bad = new statusPb.Status().setCode(status.INVALID_ARGUMENT as number).setMessage((err as Error).message);
        resp.setError(bad);
      }
      call.write(resp);
    });
    call.on('end', () => call.end());
  };
}

function hidePosition(outcome: WriteOutcome, behaviour: AppendBehaviour): boolean {
  return outcome.kind === 'idempotent' && !behaviour.idempotentWritePosition;
}

function proposedEvent(message: ProposedMessage): ProposedEvent {
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  const contentType = metadata.get('content-type');
  // Both are required by EventStoreDB (RequiredMetadataPropertyMissing otherwise).
  if (!type) throw new Error('required metadata property "type" is missing');
  if (!contentType) throw new Error('required metadata property "content-type" is missing');
  return {
    id: readUuid(message.getId()),
    type,
    contentType,
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

function legacyExpected(options: AppendOptions): number {
  const Case = streamsPb.AppendReq.Options.ExpectedStreamRevisionCase;
  switch (options.getExpectedStreamRevisionCase()) {
    case Case.REVISION:
      return Number(options.getRevision());
    case Case.NO_STREAM:
      return EXPECTED_NO_STREAM;
    case Case.ANY:
      return EXPECTED_ANY;
    case Case.STREAM_EXISTS:
      return EXPECTED_STREAM_EXISTS;
    default:
      throw new Error('expected stream revision is required');
  }
}

function batchExpected(options: BatchAppendOptions): number {
  const Case = streamsPb.BatchAppendReq.Options.ExpectedStreamPositionCase;
  switch (options.getExpectedStreamPositionCase()) {
    case Case.STREAM_POSITION:
      return Number(options.getStreamPosition());
    case Case.NO_STREAM:
      return EXPECTED_NO_STREAM;
    case Case.ANY:
      return EXPECTED_ANY;
    case Case.STREAM_EXISTS:
      return EXPECTED_STREAM_EXISTS;
    default:
      throw new Error('expected stream position is required');
  }
}

/** AppendResp.WrongExpectedVersion, with the current fields and the 20.6.0 compatibility fields. */
function legacyWrongExpectedVersion(expected: number, current: number): AppendWrongExpectedVersion {
  const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
  const empty = () => new sharedPb.Empty();
  if (expected === EXPECTED_ANY) wrong.setExpectedAny(empty()).setAny2060(empty());
  else if (expected === EXPECTED_STREAM_EXISTS) wrong.setExpectedStreamExists(empty()).setStreamExists2060(empty());
  else if (expected === EXPECTED_NO_STREAM) wrong.setExpectedNoStream(empty());
  else wrong.setExpectedRevision(String(expected)).setExpectedRevision2060(expected);
  if (current < 0) wrong.setCurrentNoStream(empty()).setNoStream2060(empty());
  else wrong.setCurrentRevision(String(current)).setCurrentRevision2060(current);
  return wrong;
}

/** google.rpc.Status(ALREADY_EXISTS) carrying event_store.client.WrongExpectedVersion, as KurrentDB sends it. */
function wrongExpectedVersionStatus(expected: number, current: number) {
  const details = new sharedPb.WrongExpectedVersion();
  const empty = () => new googleEmptyPb.Empty();
  if (current < 0) details.setCurrentNoStream(empty());
  else details.setCurrentStreamRevision(String(current));
  if (expected === EXPECTED_ANY) details.setExpectedAny(empty());
  else if (expected === EXPECTED_STREAM_EXISTS) details.setExpectedStreamExists(empty());
  else if (expected === EXPECTED_NO_STREAM) details.setExpectedNoStream(empty());
  else details.setExpectedStreamPosition(String(expected));
  return new statusPb.Status()
    .setCode(status.ALREADY_EXISTS as number)
    .setMessage('WrongExpectedVersion')
    .setDetails(packAny(details.serializeBinary(), 'event_store.client.WrongExpectedVersion') as never);
}

function serviceError(code: status, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: undefined as never });
}
