// The command palette and context-menu commands. Each asks for what it needs (a session,
// a note, an answer) and hands off to one `loopwright/*` request.

import type { Disposable, QuickPickItem } from "vscode";
import { Methods, type DispatchParams, type InboxItem, type SessionRow } from "./protocol";
import { decisionArg, sessionArg } from "./model/args";
import { duration, stateLabel } from "./model/format";
import type { LoopStore } from "./model/store";
import { sessionsFor } from "./model/tree";
import { errorText, logChannel, traceError, traceInfo } from "./common/log";
import type { LoopwrightServer } from "./common/server";
import {
  confirm,
  executeCommand,
  registerCommand,
  setStatusBarMessage,
  showErrorMessage,
  showQuickPick,
} from "./common/vscodeapi";
import { askAnswer, askDispatch, askNote, askWhy } from "./ask";
import { openReview, type ReviewOpener } from "./review/open";
import { VIEW_IDS } from "./views/trees";

export interface CommandDeps {
  readonly server: LoopwrightServer;
  readonly store: LoopStore;
  /** Fetch `loopwright/state` again. */
  readonly refresh: () => Promise<void>;
  /** Open the dashboard webview (or bring it to the front). */
  readonly showDashboard: () => Promise<void>;
  /** Where reviews are read and shown. */
  readonly reviews: ReviewOpener;
  /** The session the Review view shows (its title-bar buttons pass no argument). */
  readonly currentReview: () => string | undefined;
  /** The session whose change the active multi-file diff editor shows. */
  readonly multiDiffReview: () => string | undefined;
}

type SessionWant = Parameters<typeof sessionsFor>[1];

export function registerCommands(deps: CommandDeps): Disposable[] {
  const { server, store } = deps;

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

  const said = (text: string): void => {
    traceInfo(text);
    setStatusBarMessage(`$(check) ${text}`, 5000);
  };

  async function pickSession(arg: unknown, want: SessionWant, placeHolder: string): Promise<string | undefined> {
    const given = sessionArg(arg);
    if (given !== undefined) {
      return given;
    }
    const rows = sessionsFor(store.snapshot(), want);
    if (rows.length === 0) {
      void showErrorMessage(`Loopwright: no session to ${want === "diff" ? "open" : want}.`);
      return undefined;
    }
    const picked = await showQuickPick(rows.map(sessionItem), { placeHolder, matchOnDescription: true });
    return picked?.sessionId;
  }

  return [
    run("loopwright.dispatchTask", async (arg?: Partial<DispatchParams>) => {
      const params = await askDispatch(arg);
      if (params === undefined) {
        return undefined;
      }
      const result = await server.request<{ taskId: string }>(Methods.dispatch, params);
      said(`Loopwright: dispatched task ${result.taskId}: ${params.title}`);
      return result;
    }),

    run("loopwright.answerDecision", async (arg?: unknown) => {
      const decisions = store.snapshot().inbox.filter((i) => i.kind === "decision");
      let ref = decisionArg(arg);
      if (ref === undefined) {
        if (decisions.length === 0) {
          void showErrorMessage("Loopwright: no open decisions.");
          return;
        }
        const picked = await showQuickPick(decisions.map(decisionItem), { placeHolder: "Which decision?" });
        ref = picked?.item.ref;
      }
      if (ref === undefined) {
        return;
      }
      const item = decisions.find((d) => d.ref === ref);
      const answer = await askAnswer(item);
      if (answer === undefined) {
        return;
      }
      await server.request(Methods.answer, { decision: ref, answer });
      said(`Loopwright: answered ${ref}: ${answer}`);
    }),

    run("loopwright.approveSession", async (arg?: unknown) => {
      const session = await pickSession(arg, "approve", "Approve which change? It lands once the checks pass.");
      if (session === undefined) {
        return;
      }
      await server.request(Methods.approve, { session });
      said(`Loopwright: approved ${nameOf(store, session)}`);
    }),

    run("loopwright.requestChangesSession", async (arg?: unknown) => {
      const session = await pickSession(arg, "approve", "Send which change back?");
      if (session === undefined) {
        return;
      }
      const note = await askNote(nameOf(store, session));
      if (note === undefined) {
        return;
      }
      await server.request(Methods.requestChanges, { session, note });
      said(`Loopwright: sent ${nameOf(store, session)} back with your note`);
    }),

    run("loopwright.rejectSession", async (arg?: unknown) => {
      const session = await pickSession(arg, "approve", "Reject which change?");
      if (session === undefined) {
        return;
      }
      const why = await askWhy(nameOf(store, session));
      if (why === undefined) {
        return;
      }
      await server.request(Methods.reject, { session, why });
      said(`Loopwright: rejected ${nameOf(store, session)}`);
    }),

    run("loopwright.killSession", async (arg?: unknown) => {
      const session = await pickSession(arg, "kill", "Kill which session? Its worktree is kept.");
      if (session === undefined) {
        return;
      }
      const name = nameOf(store, session);
      if (!(await confirm(`Kill ${name}?`, "The worker stops now; its worktree is kept for inspection.", "Kill"))) {
        return;
      }
      await server.request(Methods.kill, { session });
      said(`Loopwright: killed ${name}`);
    }),

    run("loopwright.retrySession", async (arg?: unknown) => {
      const session = await pickSession(arg, "retry", "Retry which session?");
      if (session === undefined) {
        return;
      }
      await server.request(Methods.retry, { session });
      said(`Loopwright: retrying ${nameOf(store, session)}`);
    }),

    run("loopwright.openDiff", async (arg?: unknown) => {
      const session = await pickSession(arg, "diff", "Open the change of which session?");
      if (session !== undefined) {
        await openReview(deps.reviews, session);
      }
    }),

    // The Review view's title bar: the same acts on the change it shows.
    ...(["approveSession", "requestChangesSession", "rejectSession"] as const).map((verb) =>
      run(`loopwright.review.${verb}`, async () => {
        const session = deps.currentReview();
        return session === undefined ? undefined : executeCommand(`loopwright.${verb}`, session);
      })),
    // The multi-file diff editor's title bar: the same acts on the change it shows.
    ...(["approveSession", "requestChangesSession", "rejectSession"] as const).map((verb) =>
      run(`loopwright.changes.${verb}`, async () => {
        const session = deps.multiDiffReview();
        return session === undefined ? undefined : executeCommand(`loopwright.${verb}`, session);
      })),

    run("loopwright.showDashboard", async () => deps.showDashboard()),
    run("loopwright.showLog", async () => logChannel().show()),
    run("loopwright.openInbox", async () => executeCommand(`${VIEW_IDS.inbox}.focus`)),
    run("loopwright.restartServer", async () => server.restart()),
    run("loopwright.refresh", async () => deps.refresh()),
  ];
}

// --- asking the user ------------------------------------------------------------------

interface SessionItem extends QuickPickItem {
  sessionId: string;
}

function sessionItem(r: SessionRow): SessionItem {
  return {
    label: r.name,
    description: `${stateLabel(r.state)} · ${duration(r.elapsedSeconds)}`,
    detail: r.title,
    sessionId: r.sessionId,
  };
}

function decisionItem(i: InboxItem): QuickPickItem & { item: InboxItem } {
  return { label: i.title, description: i.sessionName, detail: i.detail, item: i };
}

function nameOf(store: LoopStore, session: string): string {
  return store.findSession(session)?.name ?? session;
}
