import type { CrmBridge } from '../../shared/ipc/contract';

declare global {
  interface Window {
    /** Installed by the Electron preload or the dev host bridge. The renderer's only way to main. */
    readonly crm: CrmBridge;
  }
}

/** The typed bridge to main. */
export const api: CrmBridge = window.crm;
