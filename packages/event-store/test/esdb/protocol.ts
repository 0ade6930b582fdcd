/**
 * EventStoreDB's gRPC protocol as the client package ships it. @eventstore/db-client 6.x ships no
 * .proto files, only the protoc output (google-protobuf message classes and grpc-js service
 * definitions under `generated/`); the stand-in serves those same service definitions, so both
 * sides agree on every field number and message shape by construction.
 *
 * The modules are CommonJS and the message classes are checked with `instanceof` when serialized,
 * so they are loaded with the client's own `require` (one module instance for client and server).
 */
import { createRequire } from 'node:module';
import type * as ServerFeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import type * as ServerFeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import type * as SharedPb from '@eventstore/db-client/generated/shared_pb.js';
import type * as StatusPb from '@eventstore/db-client/generated/status_pb.js';
import type * as StreamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import type * as StreamsPb from '@eventstore/db-client/generated/streams_pb.js';

const clientRequire = createRequire(import.meta.resolve('@eventstore/db-client'));

export const streamsPb = clientRequire('../generated/streams_pb.js') as typeof StreamsPb;
export const streamsGrpc = clientRequire('../generated/streams_grpc_pb.js') as typeof StreamsGrpc;
export const sharedPb = clientRequire('../generated/shared_pb.js') as typeof SharedPb;
export const statusPb = clientRequire('../generated/status_pb.js') as typeof StatusPb;
export const serverFeaturesPb = clientRequire('../generated/serverfeatures_pb.js') as typeof ServerFeaturesPb;
export const serverFeaturesGrpc = clientRequire('../generated/serverfeatures_grpc_pb.js') as typeof ServerFeaturesGrpc;

/** google.protobuf.Any from the same google-protobuf copy the generated code uses. */
interface AnyMessage {
  pack(serialized: Uint8Array, name: string, prefix?: string): void;
}
const anyPb = clientRequire('google-protobuf/google/protobuf/any_pb.js') as { Any: new () => AnyMessage };

/** google.protobuf.Empty (BatchAppend uses it where the other calls use event_store.client.Empty). */
export const googleEmptyPb = clientRequire('google-protobuf/google/protobuf/empty_pb.js') as {
  Empty: new () => import('@eventstore/db-client/generated/shared_pb.js').Empty;
};

/** Packs a message into google.protobuf.Any the way EventStoreDB does (type.googleapis.com/<full name>). */
export function packAny(serialized: Uint8Array, fullName: string): AnyMessage {
  const any = new anyPb.Any();
  any.pack(serialized, fullName);
  return any;
}

export type ReadReq = StreamsPb.ReadReq;
export type AppendOptions = StreamsPb.AppendReq.Options;
export type BatchAppendOptions = StreamsPb.BatchAppendReq.Options;
export type AppendProposedMessage = StreamsPb.AppendReq.ProposedMessage;
export type AppendWrongExpectedVersion = StreamsPb.AppendResp.WrongExpectedVersion;
export type ReadResp = StreamsPb.ReadResp;
export type AppendReq = StreamsPb.AppendReq;
export type AppendResp = StreamsPb.AppendResp;
export type BatchAppendReq = StreamsPb.BatchAppendReq;
export type BatchAppendResp = StreamsPb.BatchAppendResp;
export type Uuid = SharedPb.UUID;
export type StreamIdentifier = SharedPb.StreamIdentifier;

/** Reads a UUID in either of its wire forms (string, or structured as two signed 64-bit halves). */
export function readUuid(uuid: Uuid | undefined): string {
  if (!uuid) throw new Error('missing UUID');
  if (uuid.hasStructured()) {
    const s = uuid.getStructured()!;
    const bytes = Buffer.alloc(16);
    bytes.writeBigInt64BE(BigInt(s.getMostSignificantBits()), 0);
    bytes.writeBigInt64BE(BigInt(s.getLeastSignificantBits()), 8);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return uuid.getString();
}

/** Writes a UUID in the form the reader asked for (`structured` or `string`). */
export function writeUuid(id: string, structured: boolean): Uuid {
  const uuid = new sharedPb.UUID();
  if (!structured) return uuid.setString(id);
  const bytes = Buffer.from(id.replaceAll('-', ''), 'hex');
  const s = new sharedPb.UUID.Structured();
  s.setMostSignificantBits(bytes.readBigInt64BE(0).toString());
  s.setLeastSignificantBits(bytes.readBigInt64BE(8).toString());
  return uuid.setStructured(s);
}

export function streamName(identifier: StreamIdentifier | undefined): string {
  if (!identifier) throw new Error('missing stream identifier');
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

export function streamIdentifier(name: string): StreamIdentifier {
  return new sharedPb.StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));
}
