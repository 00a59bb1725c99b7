import type { MenuItemConstructorOptions } from 'electron';

/**
 * The application menu. "Lock" (Ctrl/Cmd+L) locks the vault in main, so it works even when the
 * renderer is busy or compromised; the renderer follows through the `vault.locked` event.
 */
export function buildMenuTemplate(options: {
  platform: NodeJS.Platform;
  onLock: () => void;
}): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const lock: MenuItemConstructorOptions = {
    id: 'vault-lock',
    label: 'Lock FieldVault',
    accelerator: 'CmdOrCtrl+L',
    click: () => options.onLock(),
  };
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [lock, { type: 'separator' }, mac ? { role: 'close' } : { role: 'quit' }],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      // No reload or devtools in the packaged app: reload would drop unsaved input, devtools widen the surface.
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
  ];
}
