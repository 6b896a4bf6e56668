// The reviews the editor shows (`loopwright/review`), by session, read again when the
// loop says something about that session (a row changed, an activity line about it:
// a reply, a new round, a viewed mark). The comment threads and the Review view both
// read from here, so one request serves both.

import { EventEmitter, type Disposable, type Event } from "vscode";
import { Methods, type Review } from "../protocol";
import type { LoopStore } from "../model/store";
import { errorText, traceWarn } from "../common/log";
import type { LoopwrightServer } from "../common/server";

const RELOAD_MS = 150;

export class ReviewCache implements Disposable {
  private readonly reviews = new Map<string, Review>();
  private readonly changed = new EventEmitter<string>();
  /** Fires with the session id whose review was (re)loaded or dropped. */
  readonly onDidChange: Event<string> = this.changed.event;
  private lastSeq = -1;
  private readonly pending = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly disposables: Disposable[];

  constructor(private readonly server: LoopwrightServer, private readonly store: LoopStore) {
    this.disposables = [store.onDidChange(() => this.noticeChanges()), server.onReady(() => this.reloadAll()), this.changed];
  }

  get(session: string): Review | undefined {
    return this.reviews.get(session);
  }

  sessions(): string[] {
    return [...this.reviews.keys()];
  }

  /** Read a session's review now and keep it. */
  async load(session: string): Promise<Review> {
    const review = await this.server.request<Review>(Methods.review, { session });
    this.reviews.set(review.sessionId, review);
    this.changed.fire(review.sessionId);
    return review;
  }

  /** Read it again soon (several changes in a row make one request). */
  reload(session: string): void {
    const before = this.pending.get(session);
    if (before !== undefined) {
      clearTimeout(before);
    }
    this.pending.set(session, setTimeout(() => {
      this.pending.delete(session);
      this.load(session).catch((e) => {
        // A session whose review went away (landed and cleaned up, say) stops being shown.
        traceWarn(`Reading the review of ${session} again failed: ${errorText(e)}`);
        if (this.reviews.delete(session)) {
          this.changed.fire(session);
        }
      });
    }, RELOAD_MS));
  }

  private reloadAll(): void {
    for (const s of this.reviews.keys()) {
      this.reload(s);
    }
  }

  private noticeChanges(): void {
    const snap = this.store.snapshot();
    const touched = new Set<string>();
    for (const line of snap.activity) {
      if (line.seq > this.lastSeq && line.sessionId !== "") {
        touched.add(line.sessionId);
      }
    }
    if (snap.activity.length > 0) {
      this.lastSeq = Math.max(this.lastSeq, snap.activity[snap.activity.length - 1].seq);
    }
    for (const [session, review] of this.reviews) {
      const row = snap.sessions.get(session)?.row;
      const moved = row !== undefined && (row.state !== review.state || row.added !== review.added || row.removed !== review.removed);
      if (moved || touched.has(session)) {
        this.reload(session);
      }
    }
  }

  dispose(): void {
    for (const t of this.pending.values()) {
      clearTimeout(t);
    }
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
