import type { settingsChannels } from '../../../shared/ipc/channels/settings.channels';
import type { ModuleContext, ServiceModule } from '../module';

export type SettingsChannelName = keyof typeof settingsChannels;

/** User preferences (language, theme, lock timeout) and IT policy. */
export function createSettingsModule(_ctx: ModuleContext): ServiceModule<SettingsChannelName> {
  return { handlers: {} };
}
