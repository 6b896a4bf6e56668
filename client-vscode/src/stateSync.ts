// Keeps the store in step with the server: `loopwright/state` whenever a server comes
// up (and on demand), the deltas in between. A state request that fails (the repository
// is not set up yet, the server is still starting) is shown in the status bar and tried
// again with a growing delay until it succeeds.

import type { Disposable } from "vscode";
import { Methods, type Changed, type State } from "./protocol";
import type { LoopStore } from "./model/store";
import { errorText, traceWarn } from "./common/log";
import type { LoopwrightServer } from "./common/server";
import type { LoopStatusBar } from "./views/statusBar";

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export class StateSync implements Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delay = FIRST_RETRY_MS;
  private readonly disposables: Disposable[];

  constructor(
    private readonly server: LoopwrightServer,
    private readonly store: LoopStore,
    private readonly statusBar: LoopStatusBar,
  ) {
    server.onNotification(Methods.changed, (delta: Changed) => store.apply(delta, Date.now()));
    this.disposables = [
      server.onReady(() => {
        this.delay = FIRST_RETRY_MS;
        void this.refresh().catch(() => undefined);
      }),
      server.onStopped((why) => {
        this.cancelRetry();
        statusBar.setOffline(why);
      }),
    ];
  }

  /** Read the whole state now; on failure, say why and try again later. */
  async refresh(): Promise<void> {
    this.cancelRetry();
    try {
      const state = await this.server.request<State>(Methods.state, {});
      this.store.reset(state, Date.now());
      this.statusBar.setOffline(undefined);
      this.delay = FIRST_RETRY_MS;
    } catch (e) {
      const why = errorText(e);
      traceWarn(`loopwright/state failed (trying again in ${this.delay / 1000}s): ${why}`);
      this.statusBar.setOffline(`Loopwright: ${why}`);
      if (this.server.running) {
        this.timer = setTimeout(() => void this.refresh().catch(() => undefined), this.delay);
        this.delay = Math.min(this.delay * 2, MAX_RETRY_MS);
      }
      throw e;
    }
  }

  private cancelRetry(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  dispose(): void {
    this.cancelRetry();
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
