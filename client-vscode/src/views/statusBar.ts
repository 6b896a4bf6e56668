// The status-bar item: `N running · M need you`; a click opens the Inbox.

import { StatusBarAlignment, type Disposable, type StatusBarItem } from "vscode";
import { statusText, statusTooltip } from "../model/format";
import type { LoopStore } from "../model/store";
import { createStatusBarItem } from "../common/vscodeapi";

export class LoopStatusBar implements Disposable {
  private readonly item: StatusBarItem;
  private readonly subscription: Disposable;
  private offline: string | undefined;

  constructor(private readonly store: LoopStore) {
    this.item = createStatusBarItem("loopwright.status", StatusBarAlignment.Left, 50);
    this.item.name = "Loopwright";
    this.item.command = "loopwright.openInbox";
    this.subscription = store.onDidChange(() => this.render());
    this.render();
    this.item.show();
  }

  /** Show that the server is down (undefined: it is up). */
  setOffline(why: string | undefined): void {
    this.offline = why;
    this.render();
  }

  private render(): void {
    if (this.offline !== undefined) {
      this.item.text = "$(error) Loopwright";
      this.item.tooltip = `${this.offline}\nClick to open the Inbox.`;
      return;
    }
    if (!this.store.loaded) {
      this.item.text = "$(loading~spin) Loopwright";
      this.item.tooltip = "Loopwright: starting the server…";
      return;
    }
    const snap = this.store.snapshot();
    this.item.text = statusText(snap.running, snap.needYou);
    this.item.tooltip = statusTooltip(snap.running, snap.needYou);
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
