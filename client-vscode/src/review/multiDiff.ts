// The multi-file diff editor of a review has the same title-bar actions as a one-file
// review diff (Approve & Land, Request Changes, Reject). Its editor has no review
// resource (`resourceScheme` is VS Code's own), so `loopwright.multiDiffReview` says
// whether the active tab is one of ours; package.json shows the buttons on
// `activeEditor == multiDiffEditor && loopwright.multiDiffReview`, and the commands act on
// `session()`.

import type { Disposable } from "vscode";
import { sessionOfChanges, modifiedUrisOf } from "../model/multiDiff";
import type { LoopStore } from "../model/store";
import { activeTab, executeCommand, onDidChangeTabs } from "../common/vscodeapi";

export const MULTI_DIFF_CONTEXT = "loopwright.multiDiffReview";

export class MultiDiffReviews implements Disposable {
  private current: string | undefined;
  private readonly disposables: Disposable[];

  constructor(private readonly store: LoopStore) {
    this.disposables = [onDidChangeTabs(() => this.update()), store.onDidChange(() => this.update())];
    this.update();
  }

  /** The session whose change the active multi-file diff editor shows. */
  session(): string | undefined {
    return this.current;
  }

  private update(): void {
    const tab = activeTab();
    const rows = [...this.store.snapshot().sessions.values()].map((t) => t.row);
    const session = tab === undefined ? undefined : sessionOfChanges(tab.label, modifiedUrisOf(tab.input), rows);
    if (session !== this.current) {
      this.current = session;
      void executeCommand("setContext", MULTI_DIFF_CONTEXT, session !== undefined);
    }
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
