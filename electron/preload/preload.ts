import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { isChannelName, isEventName, type CrmBridge } from '../../shared/ipc/contract';
import { IPC_EVENT, IPC_INVOKE } from '../../shared/ipc/names';

type Listener = (payload: unknown) => void;
/** What `window.crm.invoke` resolves to: the contract's `Result`, which the preload may not import itself. */
type Invoked = ReturnType<CrmBridge['invoke']>;
const listeners = new Map<string, Set<Listener>>();

ipcRenderer.on(IPC_EVENT, (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
  if (typeof name !== 'string') return;
  for (const listener of listeners.get(name) ?? []) listener(payload);
});

/**
 * `window.crm`: contract channels and events only. Main validates again (sender and payload); this
 * check just keeps a compromised page from probing arbitrary IPC names.
 */
const bridge = {
  invoke(channel: string, input?: unknown): Invoked {
    if (!isChannelName(channel)) {
      return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'Unknown channel' } });
    }
    return ipcRenderer.invoke(IPC_INVOKE, channel, input) as Invoked;
  },
  on(event: string, listener: Listener): () => void {
    if (!isEventName(event) || typeof listener !== 'function') return () => undefined;
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  },
} as CrmBridge;

contextBridge.exposeInMainWorld('crm', bridge);
