/**
 * The KurrentDB v1 gRPC protocol exactly as the client package ships it.
 *
 * The generated modules are CommonJS that attach their exports through
 * `goog.object.extend`, which Node's ESM loader cannot see as named exports,
 * so they are imported as default objects here and re-exported by name.
 * Using the client's own copies (not a second protoc run) guarantees the
 * double serialises byte-for-byte what the client expects.
 */
import { createRequire } from 'node:module';
import type * as TimestampModule from 'google-protobuf/google/protobuf/timestamp_pb.js';
import persistentGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/persistentsubscriptions_grpc_pb.js';
import persistentPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/persistentsubscriptions_pb.js';
import serverFeaturesGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_grpc_pb.js';
import serverFeaturesPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb.js';
import sharedPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';
import streamsGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb.js';
import streamsPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js';

export const { StreamsService } = streamsGrpc;
export const { ServerFeaturesService } = serverFeaturesGrpc;
export const { ReadReq, ReadResp, AppendReq, AppendResp } = streamsPb;
export const { SupportedMethods, SupportedMethod } = serverFeaturesPb;
export const { Empty, UUID, StreamIdentifier } = sharedPb;
export const { PersistentSubscriptionsService } = persistentGrpc;
// Prefixed: the persistent-subscription service has its own ReadReq/ReadResp, unlike those of Streams.
export const {
  ReadReq: PersistentReadReq,
  ReadResp: PersistentReadResp,
  CreateReq: PersistentCreateReq,
  CreateResp: PersistentCreateResp,
} = persistentPb;

// google-protobuf is the client's dependency, not ours: load the very copy its generated code uses.
const requireFromClient = createRequire(createRequire(import.meta.url).resolve('@kurrent/kurrentdb-client'));
export const { Timestamp } = requireFromClient('google-protobuf/google/protobuf/timestamp_pb.js') as typeof TimestampModule;

export type ReadReqMessage = InstanceType<typeof ReadReq>;
export type ReadRespMessage = InstanceType<typeof ReadResp>;
export type AppendReqMessage = InstanceType<typeof AppendReq>;
export type AppendRespMessage = InstanceType<typeof AppendResp>;
export type FilterOptionsMessage = InstanceType<typeof ReadReq.Options.FilterOptions>;
export type UuidMessage = InstanceType<typeof UUID>;
export type PersistentReadReqMessage = InstanceType<typeof PersistentReadReq>;
export type PersistentReadRespMessage = InstanceType<typeof PersistentReadResp>;
export type PersistentCreateReqMessage = InstanceType<typeof PersistentCreateReq>;
export type PersistentCreateRespMessage = InstanceType<typeof PersistentCreateResp>;
