// Review threads in VS Code's Comments API, as the GitHub Pull Requests extension shows
// a pull request's: one CommentController; threads on the head side of each changed
// file (where the diff editor shows them); a new thread may start on any line of either
// side (the server takes any line of the file, not only a hunk's first); reply, resolve
// and reopen go to the server, and the review is read again.

import {
  CommentMode,
  CommentThreadCollapsibleState,
  CommentThreadState,
  MarkdownString,
  Range,
  Uri,
  comments,
  workspace,
  type Comment,
  type CommentController,
  type CommentReply,
  type CommentThread,
  type Disposable,
  type TextDocument,
} from "vscode";
import type { Review } from "../protocol";
import { formatReviewUri, parseReviewUri } from "../model/reviewUri";
import {
  threadContext,
  threadLabel,
  type CommentModel,
  type ThreadModel,
} from "../model/threads";
import { errorText, traceError } from "../common/log";
import { registerCommand, setStatusBarMessage, showErrorMessage } from "../common/vscodeapi";
import type { ReviewCache } from "./cache";

/** What a thread action asks of the server. */
export interface ThreadActions {
  /** `line` 0-based, as the editor counts. */
  create(session: string, path: string, side: "head" | "base", line: number, body: string): Promise<void>;
  reply(session: string, thread: string, body: string): Promise<void>;
  resolve(session: string, thread: string, resolved: boolean): Promise<void>;
}

export const COMMENT_CONTROLLER_ID = "loopwright-review";

interface Shown {
  readonly thread: CommentThread;
  readonly session: string;
  readonly id: string;
  /** What it was made from, to skip unchanged threads on a reload. */
  readonly key: string;
}

export class ReviewComments implements Disposable {
  private readonly controller: CommentController;
  /** session id -> thread id -> what is on screen. */
  private readonly shown = new Map<string, Map<string, Shown>>();
  private readonly disposables: Disposable[];

  constructor(
    private readonly cache: ReviewCache,
    private readonly actions: ThreadActions,
    private readonly threadsOf: (review: Review) => ThreadModel[],
  ) {
    this.controller = comments.createCommentController(COMMENT_CONTROLLER_ID, "Loopwright review");
    this.controller.options = {
      prompt: "Comment for the worker…",
      placeHolder: "It goes back to the worker with Request changes",
    };
    this.controller.commentingRangeProvider = {
      provideCommentingRanges: (document: TextDocument) => this.commentingRanges(document),
    };
    this.disposables = [
      this.controller,
      cache.onDidChange((session) => this.render(session)),
      // A review document read again (a new round) has its lines moved under the threads,
      // and VS Code carries threads along with edits: put them back where the server says.
      workspace.onDidChangeTextDocument((e) => {
        const ref = parseReviewUri(e.document.uri.toString());
        if (ref !== undefined && e.contentChanges.length > 0) {
          this.render(ref.sessionId, true);
        }
      }),
      registerCommand("loopwright.thread.create", (reply: CommentReply) => this.submit(reply)),
      registerCommand("loopwright.thread.reply", (reply: CommentReply) => this.submit(reply)),
      registerCommand("loopwright.thread.resolve", (t: CommentThread | CommentReply) => this.setResolved(t, true)),
      registerCommand("loopwright.thread.reopen", (t: CommentThread | CommentReply) => this.setResolved(t, false)),
    ];
  }

  private commentingRanges(document: TextDocument): Range[] {
    const ref = parseReviewUri(document.uri.toString());
    if (ref === undefined || (ref.side !== "head" && ref.side !== "base")) {
      return [];
    }
    const review = this.cache.get(ref.sessionId);
    if (review === undefined || review.state !== "awaiting_approval") {
      return [];
    }
    return [new Range(0, 0, Math.max(0, document.lineCount - 1), 0)];
  }

  /** Show a session's threads as its review now has them (`fresh`: make them all again). */
  private render(session: string, fresh = false): void {
    const review = this.cache.get(session);
    const before = this.shown.get(session) ?? new Map<string, Shown>();
    const now = new Map<string, Shown>();
    const models = review === undefined ? [] : this.threadsOf(review);
    const canReply = review?.state === "awaiting_approval";
    for (const m of models) {
      const key = JSON.stringify([m, canReply]);
      const old = before.get(m.id);
      if (old !== undefined && old.key === key && !fresh) {
        now.set(m.id, old);
        before.delete(m.id);
        continue;
      }
      old?.thread.dispose();
      before.delete(m.id);
      const file = review?.files.find((f) => f.path === m.path);
      const uri = (m.side === "base" ? file?.baseUri : file?.headUri) ?? formatReviewUri({ sessionId: session, side: m.side, path: m.path });
      now.set(m.id, { thread: this.makeThread(Uri.parse(uri), m, canReply), session, id: m.id, key });
    }
    for (const gone of before.values()) {
      gone.thread.dispose();
    }
    this.shown.set(session, now);
  }

  private makeThread(uri: Uri, m: ThreadModel, canReply: boolean): CommentThread {
    const thread = this.controller.createCommentThread(uri, new Range(m.line, 0, m.line, 0), m.comments.map(toComment));
    thread.label = threadLabel(m);
    thread.contextValue = threadContext(m);
    thread.canReply = canReply && !m.resolved;
    thread.state = m.resolved ? CommentThreadState.Resolved : CommentThreadState.Unresolved;
    // Resolved threads are folded; an outdated one stays open, since the worker's answer
    // to it is news.
    thread.collapsibleState = m.resolved ? CommentThreadCollapsibleState.Collapsed : CommentThreadCollapsibleState.Expanded;
    return thread;
  }

  /** The text typed in a thread's box: a reply, or the first comment of a new thread. */
  private async submit(reply: CommentReply): Promise<void> {
    const text = reply.text.trim();
    if (text === "") {
      return;
    }
    const ref = parseReviewUri(reply.thread.uri.toString());
    if (ref === undefined) {
      return;
    }
    const existing = this.findShown(reply.thread);
    try {
      if (existing !== undefined) {
        await this.actions.reply(existing.session, existing.id, text);
        setStatusBarMessage("$(check) Loopwright: replied", 4000);
      } else {
        const line = reply.thread.range?.start.line ?? 0;
        await this.actions.create(ref.sessionId, ref.path, ref.side === "base" ? "base" : "head", line, text);
        // The draft thread VS Code made goes: the server's thread replaces it.
        reply.thread.dispose();
        setStatusBarMessage("$(check) Loopwright: thread started", 4000);
      }
      await this.cache.load(ref.sessionId);
    } catch (e) {
      traceError("Sending the comment failed", e);
      void showErrorMessage(`Loopwright: ${errorText(e)}`);
    }
  }

  private async setResolved(arg: CommentThread | CommentReply, resolved: boolean): Promise<void> {
    const thread = "thread" in arg ? arg.thread : arg;
    const shown = this.findShown(thread);
    if (shown === undefined) {
      return;
    }
    try {
      await this.actions.resolve(shown.session, shown.id, resolved);
      await this.cache.load(shown.session);
    } catch (e) {
      traceError("Resolving the thread failed", e);
      void showErrorMessage(`Loopwright: ${errorText(e)}`);
    }
  }

  private findShown(thread: CommentThread): Shown | undefined {
    for (const threads of this.shown.values()) {
      for (const s of threads.values()) {
        if (s.thread === thread) {
          return s;
        }
      }
    }
    return undefined;
  }

  dispose(): void {
    for (const threads of this.shown.values()) {
      for (const s of threads.values()) {
        s.thread.dispose();
      }
    }
    this.shown.clear();
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}

function toComment(c: CommentModel): Comment {
  return {
    body: new MarkdownString(c.body),
    mode: CommentMode.Preview,
    author: { name: c.name },
    ...(c.at !== undefined ? { timestamp: new Date(c.at * 1000) } : {}),
    contextValue: c.author,
  };
}
