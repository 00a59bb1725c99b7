/** Transport-level names shared by the preload and the Electron transport. */
export const IPC_INVOKE = 'crm:invoke';
export const IPC_EVENT = 'crm:event';
