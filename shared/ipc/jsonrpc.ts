import { z } from 'zod';
import { ERROR_CODES } from '../errors';

/** JSON-RPC 2.0 as the dev host speaks it (see docs/ARCHITECTURE.md, the dev host). */
export const JSONRPC_PARSE_ERROR = -32700;
export const JSONRPC_INVALID_REQUEST = -32600;
export const JSONRPC_METHOD_NOT_FOUND = -32601;
export const JSONRPC_INVALID_PARAMS = -32602;
export const JSONRPC_INTERNAL_ERROR = -32603;
/** Application errors: `data.code` carries the `ErrorCode`. */
export const JSONRPC_APP_ERROR = -32000;

export const rpcIdSchema = z.union([z.string().max(128), z.number().int(), z.null()]);

export const rpcRequestSchema = z.strictObject({
  jsonrpc: z.literal('2.0'),
  id: rpcIdSchema.optional(),
  method: z.string().min(1).max(128),
  params: z.unknown().optional(),
});
export type RpcRequest = z.infer<typeof rpcRequestSchema>;

export const rpcErrorSchema = z.object({
  code: z.number().int(),
  message: z.string(),
  data: z.object({ code: z.enum(ERROR_CODES) }).optional(),
});

export const rpcResponseSchema = z.union([
  z.object({ jsonrpc: z.literal('2.0'), id: rpcIdSchema, result: z.unknown() }),
  z.object({ jsonrpc: z.literal('2.0'), id: rpcIdSchema, error: rpcErrorSchema }),
]);

export const rpcNotificationSchema = z.object({
  jsonrpc: z.literal('2.0'),
  method: z.string(),
  params: z.unknown(),
});

export { RPC_MAX_FRAME_BYTES } from './jsonrpc.limits';
