// When to tell the server the human is here (`loopwright/presence`, iface/push.md): on
// focus and on activity while focused, at most once per 15 s for the same news; losing
// focus is told at once (a held push can then go). Pure: the caller passes the clock.

export const PRESENCE_METHOD = "loopwright/presence";
export const PRESENCE_EVERY_MS = 15_000;

export class PresenceThrottle {
  private lastActive: boolean | undefined;
  private lastAt = -Infinity;

  /** Whether to send `active` now. */
  shouldSend(active: boolean, nowMs: number): boolean {
    if (active === this.lastActive && nowMs - this.lastAt < PRESENCE_EVERY_MS) {
      return false;
    }
    this.lastActive = active;
    this.lastAt = nowMs;
    return true;
  }

  /** Forget what was sent (a new server knows nothing yet). */
  reset(): void {
    this.lastActive = undefined;
    this.lastAt = -Infinity;
  }
}
