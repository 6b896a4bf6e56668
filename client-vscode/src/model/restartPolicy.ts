// What to do when the server's connection closes unexpectedly. Pure data in, a verdict
// out: restart a few times, tell the user once, give up on a crash loop.

export interface RestartVerdict {
  readonly restart: boolean;
  /** Show a notification for this crash (only the first of a run, and the give-up). */
  readonly notify: boolean;
  readonly message: string;
}

export class RestartPolicy {
  private crashes: number[] = [];
  private notified = false;

  constructor(
    private readonly maxCrashes = 5,
    private readonly windowMs = 3 * 60 * 1000,
  ) {}

  onCrash(nowMs: number): RestartVerdict {
    this.crashes = this.crashes.filter((t) => nowMs - t < this.windowMs);
    this.crashes.push(nowMs);
    if (this.crashes.length > this.maxCrashes) {
      return {
        restart: false,
        notify: true,
        message:
          `The Loopwright server stopped ${this.crashes.length} times in ` +
          `${Math.round(this.windowMs / 60000)} minutes; it will not be restarted. See the Loopwright log.`,
      };
    }
    const first = !this.notified;
    this.notified = true;
    return {
      restart: true,
      notify: first,
      message: "The Loopwright server stopped unexpectedly and was restarted.",
    };
  }

  /** A start the user asked for (a restart command, a settings change) starts afresh. */
  reset(): void {
    this.crashes = [];
    this.notified = false;
  }
}
