// Wiring only: create the store, the server, the views, the status bar, the review
// documents and the commands, and connect them. Each part lives in its own module.

import type { ExtensionContext } from "vscode";
import { Methods, type HunkLensesResult, type Ready, type RevealParams } from "./protocol";
import { LoopStore } from "./model/store";
import { parseCommandSetting } from "./model/serverCommand";
import { parseReviewUri } from "./model/reviewUri";
import { errorText, logChannel, traceError, traceInfo } from "./common/log";
import { StateSync } from "./stateSync";
import { onDidChangeInterpreter } from "./common/python";
import { LoopwrightServer } from "./common/server";
import { changesServerCommand, getSettings } from "./common/settings";
import { executeCommand, onDidChangeConfiguration, showErrorMessage, workspaceFolders } from "./common/vscodeapi";
import { registerCommands } from "./commands";
import { DashboardPanel } from "./dashboard/panel";
import { ReviewDocuments } from "./review/documents";
import { lensCommandMiddleware } from "./review/lensCommands";
import { hunkLensMiddleware } from "./review/hunkLenses";
import { MultiDiffReviews } from "./review/multiDiff";
import { openReview, type ReviewOpener } from "./review/open";
import { ReviewActions } from "./review/actions";
import { ReviewCache } from "./review/cache";
import { ReviewComments } from "./review/comments";
import { threadModels } from "./model/threads";
import { ReviewView } from "./views/reviewView";
import { ManagerView } from "./views/managerView";
import { registerPhoneLink } from "./away/phoneLink";
import { PresenceReporter } from "./away/presence";
import { LoopStatusBar } from "./views/statusBar";
import { LoopViews } from "./views/trees";

let server: LoopwrightServer | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  context.subscriptions.push(logChannel());
  const store = new LoopStore();
  const statusBar = new LoopStatusBar(store);
  context.subscriptions.push(statusBar, new LoopViews(store));

  const folder = workspaceFolders()[0];
  if (folder === undefined) {
    statusBar.setOffline("Loopwright needs a folder: open the repository it should run in.");
    traceInfo("No workspace folder: the server is not started");
    return;
  }
  let reviews: ReviewOpener | undefined;
  const srv: LoopwrightServer = new LoopwrightServer(folder, {
    showReviewDocument: async (uri) => {
      const ref = parseReviewUri(uri);
      if (ref !== undefined && reviews !== undefined) {
        await openReview(reviews, ref.sessionId);
      }
      return ref !== undefined;
    },
    executeCommand: lensCommandMiddleware((id) => store.findSession(id)?.name ?? id),
    codeLenses: hunkLensMiddleware(async (session, path): Promise<HunkLensesResult> => srv.request<HunkLensesResult>(Methods.hunkLenses, { session, path })),
  });
  server = srv;

  const sync = new StateSync(srv, store, statusBar);
  const dashboard = new DashboardPanel(srv, store);
  const cache = new ReviewCache(srv, store);
  const actions = new ReviewActions(srv, cache);
  const reviewView = new ReviewView(cache, (session, path, viewed) => actions.setViewed(session, path, viewed));
  const multiDiff = new MultiDiffReviews(store);
  const opener: ReviewOpener = { load: (session) => cache.load(session), show: (session) => reviewView.show(session) };
  reviews = opener;
  srv.onNotification(Methods.reveal, (p: RevealParams) => void reveal(opener, p));
  // Startup (or Set up Loopwright) is over: read the state now rather than on the next retry.
  srv.onNotification(Methods.ready, (p: Ready) => {
    if (p.ok) {
      void sync.refresh().catch(() => undefined);
    } else {
      statusBar.setOffline(`Loopwright: ${p.problem}`);
    }
  });
  context.subscriptions.push(
    srv,
    sync,
    dashboard,
    cache,
    reviewView,
    multiDiff,
    new ManagerView(srv, store),
    registerPhoneLink(srv),
    new PresenceReporter(srv),
    new ReviewDocuments(srv, store),
    new ReviewComments(cache, actions, (r) => threadModels(r.threads, r.reviewer?.name ?? "")),
    ...actions.register(() => reviewView.session),
    ...registerCommands({
      server: srv, store, reviews: opener, refresh: () => sync.refresh(), showDashboard: () => dashboard.show(),
      currentReview: () => reviewView.session,
      multiDiffReview: () => multiDiff.session(),
    }),
    onDidChangeConfiguration((e) => {
      if (changesServerCommand(e)) {
        traceInfo("Server settings changed: restarting the server");
        void srv.restart();
      }
    }),
  );
  const interpreterWatch = await onDidChangeInterpreter(() => {
    const s = getSettings(folder);
    if (s.python.trim() === "" && parseCommandSetting(s.serverCommand).length === 0) {
      traceInfo("The Python extension's interpreter changed: restarting the server");
      void srv.restart();
    }
  });
  if (interpreterWatch !== undefined) {
    context.subscriptions.push(interpreterWatch);
  }
  // Not awaited: activation (and the views) need not wait for the server to come up.
  void srv.start();
}

async function reveal(reviews: ReviewOpener, p: RevealParams): Promise<void> {
  try {
    if (p.kind === "review") {
      await openReview(reviews, p.sessionId || p.ref);
    } else if (p.kind === "decision") {
      await executeCommand("loopwright.answerDecision", p.ref);
    } else {
      await executeCommand("loopwright.openInbox");
    }
  } catch (e) {
    traceError(`Opening ${p.kind} ${p.ref} failed`, e);
    void showErrorMessage(`Loopwright: ${errorText(e)}`);
  }
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
