import { create } from 'zustand';
import type { AuditVerifyOutput } from '../../../shared/audit/audit.schemas';
import { api, call } from '../api';
import { registerReset } from '../reset';

interface AuditState {
  /** The last chain check main reported (after unlock or on demand); null until one arrived. */
  report: AuditVerifyOutput | null;
  checking: boolean;
  verify: () => Promise<void>;
}

/** The security log's chain status, for the status bar and the Security log screen. */
export const useAuditStore = create<AuditState>((set) => ({
  report: null,
  checking: false,
  verify: async () => {
    set({ checking: true });
    try {
      set({ report: await call('audit.verify') });
    } finally {
      set({ checking: false });
    }
  },
}));

registerReset(() => useAuditStore.setState({ report: null, checking: false }));

/** Follows `audit.verified` pushes from main. Returns the unsubscribe function. */
export function subscribeAudit(): () => void {
  return api.on('audit.verified', (report) => useAuditStore.setState({ report }));
}
