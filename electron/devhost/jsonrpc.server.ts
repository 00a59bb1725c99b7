import { z } from 'zod';
import type { ErrorCode } from '../../shared/errors';
import { channels, events } from '../../shared/ipc/contract';
import type { EventDef } from '../../shared/ipc/define';
import {
  JSONRPC_APP_ERROR,
  JSONRPC_INVALID_PARAMS,
  JSONRPC_INVALID_REQUEST,
  JSONRPC_METHOD_NOT_FOUND,
  JSONRPC_PARSE_ERROR,
  rpcRequestSchema,
} from '../../shared/ipc/jsonrpc';
import type { IpcRouter, SenderInfo } from '../services/ipc/router';

type RpcId = string | number | null;
export type RpcReply =
  | { jsonrpc: '2.0'; id: RpcId; result: unknown }
  | {
      jsonrpc: '2.0';
      id: RpcId;
      error: { code: number; message: string; data?: { code: ErrorCode } };
    };

/** Every channel and event with its JSON Schemas, for `system.describe`. */
export function describeContract(): {
  channels: { name: string; summary: string; input: unknown; output: unknown }[];
  events: { name: string; summary: string; payload: unknown }[];
} {
  const schema = (type: z.ZodType, io: 'input' | 'output'): unknown =>
    z.toJSONSchema(type, { io, unrepresentable: 'any' });
  return {
    channels: Object.entries(channels).map(([name, def]) => ({
      name,
      summary: def.summary,
      input: schema(def.input, 'input'),
      output: schema(def.output, 'output'),
    })),
    events: Object.entries(events as Record<string, EventDef>).map(([name, def]) => ({
      name,
      summary: def.summary,
      payload: schema(def.payload, 'output'),
    })),
  };
}

/**
 * Handles one JSON-RPC text frame and returns the reply frames (none for notifications).
 * Batches are not supported: the bridge never sends them, so an array is an invalid request.
 */
export async function handleRpcFrame(
  text: string,
  router: IpcRouter,
  sender: SenderInfo,
): Promise<RpcReply | null> {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return rpcError(null, JSONRPC_PARSE_ERROR, 'Parse error');
  }
  const parsed = rpcRequestSchema.safeParse(message);
  if (!parsed.success) {
    const id = idOf(message);
    return rpcError(id, JSONRPC_INVALID_REQUEST, 'Invalid request');
  }
  const request = parsed.data;
  const id = request.id ?? null;
  const isNotification = request.id === undefined;
  if (request.method === 'system.describe') {
    return isNotification ? null : { jsonrpc: '2.0', id, result: describeContract() };
  }
  const result = await router.dispatch(request.method, request.params, sender);
  if (isNotification) return null;
  if (result.ok) return { jsonrpc: '2.0', id, result: result.value ?? null };
  const { code, message: text2 } = result.error;
  const rpcCode =
    code === 'UNKNOWN_CHANNEL'
      ? JSONRPC_METHOD_NOT_FOUND
      : code === 'VALIDATION'
        ? JSONRPC_INVALID_PARAMS
        : JSONRPC_APP_ERROR;
  return rpcError(id, rpcCode, text2, code);
}

function rpcError(id: RpcId, code: number, message: string, appCode?: ErrorCode): RpcReply {
  return {
    jsonrpc: '2.0',
    id,
    error: appCode ? { code, message, data: { code: appCode } } : { code, message },
  };
}

function idOf(message: unknown): RpcId {
  if (typeof message === 'object' && message !== null && 'id' in message) {
    const id = message.id;
    if (typeof id === 'string' || typeof id === 'number') return id;
  }
  return null;
}
