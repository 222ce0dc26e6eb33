/**
 * History ⇄ JSON (the proto JSON of `temporal workflow show --output json` and the Web UI's
 * download) for the replay tests. Not @temporalio/common's historyToJSON/historyFromJSON: in this
 * install each @temporalio package has a nested copy of protobufjs 8 (the top level holds
 * protobufjs 7 for another dependency), and common's protojson rejects @temporalio/proto's types
 * as foreign ("type must be a Type"). Here protojson is loaded from the very copy
 * @temporalio/proto builds its types with.
 */
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import * as proto from '@temporalio/proto';

type Type = unknown;
interface ProtoJson {
  toJson(type: Type, message: unknown): unknown;
  fromJson(type: Type, json: unknown, opts?: { ignoreUnknownFields?: boolean }): unknown;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a resolved path, not a package name
const protojson = require(
  require.resolve('protobufjs/ext/protojson', { paths: [path.dirname(require.resolve('@temporalio/proto/package.json'))] }),
) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(n: string): Type }).lookupType('temporal.api.history.v1.History');

export type History = temporal.api.history.v1.History;

export function historyToJSON(history: temporal.api.history.v1.IHistory): string {
  return JSON.stringify(protojson.toJson(historyType, temporal.api.history.v1.History.fromObject(history)), null, 2);
}

export function historyFromJSON(json: unknown): History {
  const loaded = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!loaded) throw new TypeError('Invalid history');
  return loaded as History;
}
