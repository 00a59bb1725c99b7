import type { BrowserWindow } from 'electron';
import { dialog } from 'electron';
import type { ServerConfirmation } from '../services/sync/sync.enrolment';

/**
 * Main's own confirmation of a sync server origin: a native dialog, outside the renderer, that names
 * the origin main rebuilt from the user's input. A compromised renderer can ask, but only the person
 * at the keyboard can say yes, and only to the address shown.
 */
export function dialogConfirmation(window: () => BrowserWindow | null): ServerConfirmation {
  return {
    async confirm(origin, purpose) {
      const options = {
        type: 'question' as const,
        buttons: ['Connect', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
        noLink: true,
        title: 'FieldVault',
        message:
          purpose === 'create'
            ? `Create a team workspace on ${origin}?`
            : `Join the team workspace on ${origin}?`,
        detail:
          'This computer will register its public keys with this sync server. Customer data stays end-to-end encrypted. Only continue if your team or IT gave you this address.',
      };
      const parent = window();
      const { response } = parent
        ? await dialog.showMessageBox(parent, options)
        : await dialog.showMessageBox(options);
      return response === 0;
    },
  };
}
