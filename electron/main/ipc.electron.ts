import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { IPC_EVENT, IPC_INVOKE } from '../../shared/ipc/names';
import type { IpcRouter, SenderInfo } from '../services/ipc/router';

/** What the router needs to know about an Electron caller: its frame URL and whether it is the top frame. */
export function senderOf(event: IpcMainInvokeEvent): SenderInfo {
  const frame = event.senderFrame;
  return {
    transport: 'electron',
    url: frame?.url ?? '',
    isMainFrame: frame !== null && frame === event.sender.mainFrame,
  };
}

/**
 * The Electron transport: one invoke channel into the router, and router events forwarded to the
 * windows `targets()` returns. Returns a function that removes both.
 */
export function registerElectronTransport(
  ipcMain: IpcMain,
  router: IpcRouter,
  targets: () => WebContents[],
): () => void {
  ipcMain.handle(IPC_INVOKE, (event, channel: unknown, input: unknown) =>
    router.dispatch(channel, input, senderOf(event)),
  );
  const unsubscribe = router.onEvent((name, payload) => {
    for (const contents of targets()) {
      if (!contents.isDestroyed()) contents.send(IPC_EVENT, name, payload);
    }
  });
  return () => {
    ipcMain.removeHandler(IPC_INVOKE);
    unsubscribe();
  };
}
