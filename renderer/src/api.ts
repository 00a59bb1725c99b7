import type { ErrorInfo, Result } from '../../shared/errors';
import type { ChannelInput, ChannelName, ChannelOutput, CrmBridge } from '../../shared/ipc/contract';

declare global {
  interface Window {
    /** Installed by the Electron preload or the dev host bridge. The renderer's only way to main. */
    readonly crm: CrmBridge;
  }
}

/** The typed bridge to main. */
export const api: CrmBridge = window.crm;

/** A failed call, carrying only the code and the (non-customer) message. */
export class ApiError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
  }
}

/** Calls a channel and returns its value, throwing `ApiError` for `{ok:false}`. */
export async function call<C extends ChannelName>(
  channel: C,
  ...input: undefined extends ChannelInput<C> ? [input?: ChannelInput<C>] : [input: ChannelInput<C>]
): Promise<ChannelOutput<C>> {
  const result: Result<ChannelOutput<C>> = await api.invoke(channel, ...input);
  if (!result.ok) throw new ApiError(result.error);
  return result.value;
}

/** The error info of anything thrown by `call` (anything else is `INTERNAL`). */
export function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof ApiError) return error.info;
  return { code: 'INTERNAL', message: 'Unexpected error' };
}
