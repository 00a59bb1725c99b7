import { create } from 'zustand';
import type { RestoreSummary } from '../../../shared/ipc/channels/vault.channels';

/**
 * The last restore's summary (backup date, app version, records per kind: counts only, no customer
 * data). A restore locks and reopens the vault, which leaves Settings, so the notice that says what
 * came back is shown by the shell after it.
 */
export const useRestoreStore = create<{ last: RestoreSummary | null }>(() => ({ last: null }));
