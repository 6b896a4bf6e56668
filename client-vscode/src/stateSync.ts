// Keeps the store in step with the server: `loopwright/state` whenever a server comes
// up (and on demand), the deltas in between. A delta names the inbox items that
// appeared, changed or left (never the whole inbox), and the `seq` it follows on from
// (`since`): a delta that does not follow on from what the store holds means the client
// fell behind, so it asks for the whole state again. A state request that fails (the
// repository is not set up yet, the server is still starting) is shown in the status
// bar and tried again with a growing delay until it succeeds.

import type { Disposable } from "vscode";
import { Methods, type Changed, type InboxItem, type State } from "./protocol";
import type { LoopStore } from "./model/store";
import { errorText, traceWarn } from "./common/log";
import type { LoopwrightServer } from "./common/server";
import type { LoopStatusBar } from "./views/statusBar";

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

type InboxDelta = Partial<Pick<Changed, "inbox" | "inboxChanged" | "inboxRemoved">>;

/** An inbox item's identity while it waits, as the server names it in `inboxRemoved`. */
export function inboxKey(item: Pick<InboxItem, "kind" | "ref" | "title">): string {
  return `${item.kind}\n${item.ref}\n${item.title}`;
}

/** The inbox after a delta: what left removed, what appeared or changed put in (by key). */
export function mergeInbox(inbox: readonly InboxItem[], delta: InboxDelta): InboxItem[] {
  if (delta.inboxChanged === undefined && delta.inboxRemoved === undefined && delta.inbox) {
    return [...delta.inbox]; // an older server sends the whole inbox
  }
  const removed = new Set(delta.inboxRemoved ?? []);
  const byKey = new Map<string, InboxItem>();
  for (const item of inbox) {
    if (!removed.has(inboxKey(item))) {
      byKey.set(inboxKey(item), item);
    }
  }
  for (const item of delta.inboxChanged ?? []) {
    byKey.set(inboxKey(item), item);
  }
  return [...byKey.values()];
}

/** What to do with a delta, given the `seq` the store holds (-1: no state yet). */
export function deltaFits(heldSeq: number, delta: Pick<Changed, "seq" | "since">): "apply" | "old" | "behind" {
  if (heldSeq < 0 || delta.seq <= heldSeq) {
    return "old"; // before the first state (it will include this), or already in it
  }
  return delta.since === undefined || delta.since === heldSeq ? "apply" : "behind";
}

export class StateSync implements Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delay = FIRST_RETRY_MS;
  private refreshing: Promise<void> | undefined;
  private readonly disposables: Disposable[];

  constructor(
    private readonly server: LoopwrightServer,
    private readonly store: LoopStore,
    private readonly statusBar: LoopStatusBar,
  ) {
    server.onNotification(Methods.changed, (delta: Changed) => this.onDelta(delta));
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

  private onDelta(delta: Changed): void {
    const held = this.store.snapshot();
    switch (deltaFits(held.seq, delta)) {
      case "old":
        return;
      case "behind":
        traceWarn(`a delta follows on from ${delta.since}, the store holds ${held.seq}: reading the state again`);
        if (this.refreshing === undefined) {
          void this.refresh().catch(() => undefined);
        }
        return;
      case "apply":
        this.store.apply({ ...delta, inbox: mergeInbox(held.inbox, delta) }, Date.now());
    }
  }

  /** Read the whole state now; on failure, say why and try again later. */
  async refresh(): Promise<void> {
    this.cancelRetry();
    const attempt = this.readState();
    this.refreshing = attempt;
    try {
      await attempt;
    } finally {
      if (this.refreshing === attempt) {
        this.refreshing = undefined;
      }
    }
  }

  private async readState(): Promise<void> {
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
