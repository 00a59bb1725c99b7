import { readFileSync } from 'node:fs';

/**
 * OS session events that lock the vault at once. Lid close reaches the app as `suspend` (or
 * `lock-screen`): Electron has no lid event, and every OS suspends or locks on lid close by default.
 */
export type SessionEvent = 'suspend' | 'lock-screen';

/**
 * The idle and power seam: system idle time and session events, from the OS in the app
 * (`electron/main/session.electron.ts`, Electron's `powerMonitor`), from a control file in the dev
 * host, and from `ManualSessionSignals` in tests. Main reads it, never the renderer, so a frozen or
 * hostile page cannot keep the vault open.
 */
export interface SessionSignals {
  /** Seconds since the last keyboard or pointer input anywhere in the OS session. */
  idleSeconds(): number;
  /** Subscribes to session events; returns an unsubscribe function. */
  onEvent(listener: (event: SessionEvent) => void): () => void;
}

/** The test implementation: idle time and events set by the test. */
export class ManualSessionSignals implements SessionSignals {
  private idle = 0;
  private readonly listeners = new Set<(event: SessionEvent) => void>();
  setIdleSeconds(seconds: number): void {
    this.idle = seconds;
  }
  fire(event: SessionEvent): void {
    for (const listener of this.listeners) listener(event);
  }
  idleSeconds(): number {
    return this.idle;
  }
  onEvent(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

interface ControlFile {
  idleSeconds?: unknown;
  events?: unknown;
}

/**
 * The dev host's implementation (`--session-script FILE`): FILE holds JSON
 * `{"idleSeconds": N, "events": ["suspend", …]}`. Each new entry appended to `events` fires once;
 * a missing or unreadable file means 0 s idle and no events. An end-to-end test outside the process
 * drives main's lock through it while the page is frozen.
 */
export class FileSessionSignals implements SessionSignals {
  private readonly listeners = new Set<(event: SessionEvent) => void>();
  private seen = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly file: string,
    private readonly pollMs = 250,
  ) {
    this.seen = this.events().length;
  }

  idleSeconds(): number {
    const idle = this.read().idleSeconds;
    return typeof idle === 'number' && Number.isFinite(idle) && idle >= 0 ? idle : 0;
  }

  onEvent(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => this.poll(), this.pollMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  private poll(): void {
    const events = this.events();
    const fresh = events.slice(this.seen);
    this.seen = events.length;
    for (const event of fresh) for (const listener of this.listeners) listener(event);
  }

  private events(): SessionEvent[] {
    const events = this.read().events;
    if (!Array.isArray(events)) return [];
    return events.filter((e): e is SessionEvent => e === 'suspend' || e === 'lock-screen');
  }

  private read(): ControlFile {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      return typeof parsed === 'object' && parsed !== null ? parsed : {};
    } catch {
      return {};
    }
  }
}
