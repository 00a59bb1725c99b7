import type { SessionEvent, SessionSignals } from '../services/vault/vault.session';

/** The part of Electron's `powerMonitor` this needs (declared per event, as Electron overloads `on`). */
export interface PowerSource {
  getSystemIdleTime(): number;
  on(event: 'suspend', listener: () => void): unknown;
  on(event: 'lock-screen', listener: () => void): unknown;
  off(event: 'suspend', listener: () => void): unknown;
  off(event: 'lock-screen', listener: () => void): unknown;
}

/**
 * The OS session as Electron's `powerMonitor` reports it: system idle time (all input, not just this
 * app's window), suspend (which lid close causes on every OS by default) and screen lock.
 */
export class ElectronSessionSignals implements SessionSignals {
  constructor(private readonly power: PowerSource) {}

  idleSeconds(): number {
    return this.power.getSystemIdleTime();
  }

  onEvent(listener: (event: SessionEvent) => void): () => void {
    const suspend = (): void => listener('suspend');
    const lockScreen = (): void => listener('lock-screen');
    this.power.on('suspend', suspend);
    this.power.on('lock-screen', lockScreen);
    return () => {
      this.power.off('suspend', suspend);
      this.power.off('lock-screen', lockScreen);
    };
  }
}
