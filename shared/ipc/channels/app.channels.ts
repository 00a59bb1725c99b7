import { z } from 'zod';
import { channel } from '../define';

export const appInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  platform: z.enum(['linux', 'darwin', 'win32', 'other']),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

/** Channels about the application itself. */
export const appChannels = {
  'app.info': channel(z.undefined(), appInfoSchema, 'Application name, version and platform.'),
};
