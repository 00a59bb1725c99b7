import type { CrmBridge } from '../../shared/ipc/contract';

declare global {
  interface Window {
    readonly crm: CrmBridge;
  }
}
