// What the human does to a review besides approve / request changes / reject: thread
// acts, viewed marks, the interdiff, a hunk's verdict from its lens, one file's diff.
// Each is one `loopwright/*` request; the review is read again after it.

import { Uri, type Disposable } from "vscode";
import { Methods } from "../protocol";
import { sessionArg } from "../model/args";
import { diffTitle, parseReviewUri } from "../model/reviewUri";
import { interdiffTitle } from "../model/multiDiff";
import type { InterdiffResult, ViewedResult } from "../protocol";
import { errorText, traceError, traceInfo } from "../common/log";
import type { LoopwrightServer } from "../common/server";
import { activeTextEditor, executeCommand, registerCommand, setStatusBarMessage, showErrorMessage, showInformationMessage, showQuickPick } from "../common/vscodeapi";
import { askComment } from "../ask";
import type { ReviewCache } from "./cache";
import type { ThreadActions } from "./comments";

export class ReviewActions implements ThreadActions {
  constructor(private readonly server: LoopwrightServer, private readonly cache: ReviewCache) {}

  async create(session: string, path: string, side: "head" | "base", line: number, body: string): Promise<void> {
    await this.server.request(Methods.openThread, { session, path, side, line: line + 1, body });
  }

  async reply(session: string, thread: string, body: string): Promise<void> {
    await this.server.request(Methods.replyThread, { session, thread, body });
  }

  async resolve(session: string, thread: string, resolved: boolean): Promise<void> {
    await this.server.request(Methods.resolveThread, { session, thread, resolved });
  }

  async setViewed(session: string, path: string, viewed: boolean): Promise<void> {
    try {
      const r = await this.server.request<ViewedResult>(Methods.viewed, { session, path, viewed });
      setStatusBarMessage(`$(eye) Loopwright: ${r.viewedCount} of ${r.fileCount} files viewed`, 4000);
    } catch (e) {
      traceError("Marking the file viewed failed", e);
      void showErrorMessage(`Loopwright: ${errorText(e)}`);
    }
    await this.cache.load(session).catch(() => undefined);
  }

  /** "Changes since my last review": only what changed since the human sent it back. */
  async openInterdiff(session: string): Promise<void> {
    const r = await this.server.request<InterdiffResult>(Methods.interdiff, { session });
    const name = this.cache.get(session)?.name ?? session;
    if (r.files.length === 0) {
      void showInformationMessage(`Loopwright: nothing changed in ${name} since your last review.`);
      return;
    }
    traceInfo(`Opening the changes of ${name} since round ${r.fromRound}: ${r.files.length} file(s)`);
    const title = interdiffTitle(name, r.fromRound, r.toRound);
    if (r.files.length === 1) {
      const f = r.files[0];
      await executeCommand("vscode.diff", Uri.parse(f.fromUri), Uri.parse(f.toUri), `${f.path.split("/").pop()} (${name}: since my last review)`);
      return;
    }
    await executeCommand("vscode.changes", title, r.files.map((f) => [Uri.parse(f.toUri), Uri.parse(f.fromUri), Uri.parse(f.toUri)]));
  }

  /** One file's diff, base ↔ head. */
  async openFile(session: string, path: string): Promise<void> {
    const review = this.cache.get(session) ?? (await this.cache.load(session));
    const f = review.files.find((x) => x.path === path);
    if (f !== undefined) {
      await executeCommand("vscode.diff", Uri.parse(f.baseUri), Uri.parse(f.headUri), diffTitle(review.name, f.path));
    }
  }

  /** A hunk lens (`loopwright.judgeHunk {session, hunk, verdict}`): pick a verdict, send it. */
  async judgeHunk(arg: { session?: string; hunk?: string; verdict?: string | null }): Promise<void> {
    if (typeof arg?.session !== "string" || typeof arg.hunk !== "string") {
      return;
    }
    const picks = [
      { label: "$(check) Accept", verdict: "accept" as const },
      { label: "$(close) Reject", verdict: "reject" as const },
      { label: "$(comment) Comment…", verdict: "comment" as const },
    ];
    const pick = await showQuickPick(picks, {
      title: `Hunk ${arg.hunk}${arg.verdict ? ` (now: ${arg.verdict})` : ""}`,
      placeHolder: "Your verdict on this hunk",
    });
    if (pick === undefined) {
      return;
    }
    let comment: string | undefined;
    if (pick.verdict === "comment") {
      comment = await askComment();
      if (comment === undefined) {
        return;
      }
    }
    await this.server.request(Methods.hunk, { session: arg.session, hunk: arg.hunk, verdict: pick.verdict, ...(comment ? { comment } : {}) });
    setStatusBarMessage(`$(check) Loopwright: hunk ${arg.hunk} ${pick.verdict}ed`, 4000);
    await this.cache.load(arg.session).catch(() => undefined);
  }

  register(currentSession: () => string | undefined): Disposable[] {
    const run = (id: string, fn: (...args: any[]) => Promise<unknown>): Disposable =>
      registerCommand(id, async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (e) {
          traceError(`${id} failed`, e);
          void showErrorMessage(`Loopwright: ${errorText(e)}`);
          return undefined;
        }
      });
    // From an editor's title bar the argument is the document's URI; from the palette nothing.
    const fileOf = (arg: unknown): { session: string; path: string } | undefined => {
      const uri = arg instanceof Uri ? arg.toString() : activeTextEditor()?.document.uri.toString();
      const ref = uri === undefined ? undefined : parseReviewUri(uri);
      return ref === undefined ? undefined : { session: ref.sessionId, path: ref.path };
    };
    return [
      run("loopwright.openInterdiff", async (arg?: unknown) => {
        const session = sessionArg(arg) ?? currentSession();
        if (session !== undefined) {
          await this.openInterdiff(session);
        }
      }),
      run("loopwright.openReviewFile", async (session: string, path: string) => this.openFile(session, path)),
      run("loopwright.markViewed", async (arg?: unknown) => {
        const f = fileOf(arg);
        if (f !== undefined) {
          await this.setViewed(f.session, f.path, true);
        }
      }),
      run("loopwright.markUnviewed", async (arg?: unknown) => {
        const f = fileOf(arg);
        if (f !== undefined) {
          await this.setViewed(f.session, f.path, false);
        }
      }),
      run("loopwright.judgeHunk", async (arg: { session?: string; hunk?: string; verdict?: string | null }) => this.judgeHunk(arg)),
    ];
  }
}
