import type { Page } from '@playwright/test';

/** Replies of one JSON-RPC method held back: a slow main, as under a long sync. */
export interface HeldReplies {
  /** Holds the replies that arrive from now on (true) or lets them through again (false). */
  hold(on: boolean): void;
  /** How many replies are held. */
  count(): number;
  /** Sends every held reply, in the order it arrived. */
  release(): void;
}

/**
 * Routes the page's dev-host WebSocket through the test and holds the replies to `method` while
 * `hold(true)` is on. Call before the page connects (before `firstRun`).
 */
export async function holdReplies(page: Page, method: string): Promise<HeldReplies> {
  let holding = false;
  const calls = new Set<unknown>();
  const held: (() => void)[] = [];
  await page.routeWebSocket(/\/rpc\?token=/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const m = JSON.parse(String(message)) as { id?: unknown; method?: string };
      if (m.method === method) calls.add(m.id);
      server.send(message);
    });
    server.onMessage((message) => {
      const m = JSON.parse(String(message)) as { id?: unknown };
      if (holding && calls.has(m.id)) held.push(() => ws.send(message));
      else ws.send(message);
    });
  });
  return {
    hold: (on) => {
      holding = on;
    },
    count: () => held.length,
    release: () => {
      for (const send of held.splice(0)) send();
    },
  };
}
