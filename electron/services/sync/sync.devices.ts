import type { DeviceInfo } from '../../../shared/sync/protocol';
import type { SyncDevice } from '../../../shared/sync/sync.contract';
import type { SyncSession } from './sync.session';

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The workspace's devices as the server lists them, and revoking one. */
export class SyncDevices {
  constructor(private readonly session: SyncSession) {}

  private toDevice(d: DeviceInfo): SyncDevice {
    return {
      deviceId: d.deviceId,
      status: d.status,
      createdAt: new Date(d.createdAt).toISOString(),
      revokedAt: iso(d.revokedAt),
      invitedBy: d.invitedBy,
      isThisDevice: d.deviceId === this.session.workspace?.deviceId,
    };
  }

  async list(): Promise<SyncDevice[]> {
    const res = await this.session.api((api, workspaceId) => api.listDevices(workspaceId));
    return res.devices.map((d) => this.toDevice(d));
  }

  async revoke(deviceId: string): Promise<SyncDevice> {
    const res = await this.session.api((api, workspaceId) => api.revokeDevice(workspaceId, deviceId));
    return this.toDevice(res.device);
  }
}
