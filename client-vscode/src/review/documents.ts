// The `loopwright-review` scheme: both sides of each changed file of a session, read
// from the server (`loopwright/reviewDocument`). When a session's review changes (the
// worker revised it after "Request changes"), its open documents are re-read.

import { EventEmitter, Uri, type CancellationToken, type Disposable, type Event, type TextDocumentContentProvider } from "vscode";
import { Methods, REVIEW_SCHEME } from "../protocol";
import { parseReviewUri, reviewChanged, type ReviewLook } from "../model/reviewUri";
import type { LoopStore } from "../model/store";
import type { LoopwrightServer } from "../common/server";
import { registerTextDocumentContentProvider } from "../common/vscodeapi";

export class ReviewDocuments implements TextDocumentContentProvider, Disposable {
  private readonly changed = new EventEmitter<Uri>();
  readonly onDidChange: Event<Uri> = this.changed.event;
  /** session id -> the URIs of its documents we have served. */
  private readonly served = new Map<string, Set<string>>();
  /** session id -> what its row said last time, to notice a new review. */
  private readonly looks = new Map<string, ReviewLook>();
  private readonly disposables: Disposable[];

  constructor(private readonly server: LoopwrightServer, store: LoopStore) {
    this.disposables = [
      registerTextDocumentContentProvider(REVIEW_SCHEME, this),
      store.onDidChange(() => this.noticeChanges(store)),
      this.changed,
    ];
  }

  async provideTextDocumentContent(uri: Uri, token: CancellationToken): Promise<string> {
    const key = uri.toString();
    const ref = parseReviewUri(key);
    if (ref !== undefined) {
      const set = this.served.get(ref.sessionId) ?? new Set<string>();
      set.add(key);
      this.served.set(ref.sessionId, set);
    }
    if (token.isCancellationRequested) {
      return "";
    }
    const result = await this.server.request<{ text: string }>(Methods.reviewDocument, { uri: key });
    return result.text;
  }

  private noticeChanges(store: LoopStore): void {
    for (const [sessionId, uris] of this.served) {
      const t = store.snapshot().sessions.get(sessionId);
      if (t === undefined) {
        continue;
      }
      const now: ReviewLook = { state: t.row.state, added: t.row.added, removed: t.row.removed };
      const before = this.looks.get(sessionId);
      this.looks.set(sessionId, now);
      if (reviewChanged(before, now)) {
        for (const u of uris) {
          this.changed.fire(Uri.parse(u));
        }
      }
    }
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
