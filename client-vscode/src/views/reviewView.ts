// The Review view in the Loopwright sidebar: the header of the change last opened
// (why it waits, reviewer, checks, threads, "Changes since my last review") and its
// files with a viewed checkbox each; the view's description says "3 of 7 files viewed".
// Approve & land, Request changes and Reject sit in its title bar (package.json).

import { TreeItemCheckboxState, Uri, type Disposable, type TreeView } from "vscode";
import type { Node } from "../model/tree";
import { reviewNodes, viewedSummary } from "../model/reviewView";
import { createTreeView, executeCommand } from "../common/vscodeapi";
import type { ReviewCache } from "../review/cache";
import { NodeTree } from "./trees";

export const REVIEW_VIEW_ID = "loopwright.review";
/** True while the Review view shows a change that waits for approval. */
export const AWAITING_CONTEXT = "loopwright.reviewAwaitingApproval";
/** The review documents of viewed files, for the editor title's eye (`resource in …`). */
export const VIEWED_CONTEXT = "loopwright.viewedReviewFiles";

export class ReviewView implements Disposable {
  private readonly tree = new NodeTree();
  private readonly view: TreeView<Node>;
  private current: string | undefined;
  private readonly disposables: Disposable[];

  constructor(
    private readonly cache: ReviewCache,
    setViewed: (session: string, path: string, viewed: boolean) => Promise<void>,
  ) {
    this.view = createTreeView(REVIEW_VIEW_ID, this.tree);
    this.disposables = [
      this.view,
      this.tree,
      cache.onDidChange((session) => {
        if (session === this.current) {
          this.render();
        }
        void executeCommand("setContext", VIEWED_CONTEXT, viewedUris(cache));
      }),
      this.view.onDidChangeCheckboxState((e) => {
        for (const [node, state] of e.items) {
          if (node.sessionId !== undefined && node.path !== undefined) {
            void setViewed(node.sessionId, node.path, state === TreeItemCheckboxState.Checked);
          }
        }
      }),
    ];
    this.render();
  }

  /** The session whose review the view shows. */
  get session(): string | undefined {
    return this.current;
  }

  show(session: string): void {
    this.current = session;
    this.render();
  }

  private render(): void {
    const review = this.current === undefined ? undefined : (this.cache.get(this.current));
    if (review === undefined) {
      this.tree.show([]);
      this.view.description = undefined;
      this.view.message = "Open a session's diff to review it here.";
      void executeCommand("setContext", AWAITING_CONTEXT, false);
      return;
    }
    this.tree.show(reviewNodes(review));
    this.view.description = viewedSummary(review);
    this.view.message = undefined;
    void executeCommand("setContext", AWAITING_CONTEXT, review.state === "awaiting_approval");
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}

function viewedUris(cache: ReviewCache): string[] {
  const out: string[] = [];
  for (const session of cache.sessions()) {
    for (const f of (cache.get(session)?.files ?? [])) {
      if (f.viewed === true) {
        out.push(Uri.parse(f.headUri).toString(), Uri.parse(f.baseUri).toString());
      }
    }
  }
  return out;
}
