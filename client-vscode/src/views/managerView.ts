// The Manager view in the Loopwright sidebar: the manager's thread (`loopwright/manager`,
// then `$/loopwright/thread` entries as they come), escalations with answer buttons, and
// a box to tell it something (`loopwright/tell`). The page is drawn from pure HTML
// (model/managerThread.ts); its script only forwards clicks and text.

import { randomBytes } from "node:crypto";
import type { CancellationToken, Disposable, WebviewView, WebviewViewProvider, WebviewViewResolveContext } from "vscode";
import { Methods, type ManagerThread, type ThreadEntry, type ThreadParams } from "../protocol";
import { ManagerThreadModel, entriesHtml, managerPage, managerStatus } from "../model/managerThread";
import type { LoopStore } from "../model/store";
import { errorText, traceError, traceWarn } from "../common/log";
import type { LoopwrightServer } from "../common/server";
import { executeCommand, registerCommand, registerWebviewView, setStatusBarMessage, showErrorMessage, showInputBox } from "../common/vscodeapi";

export const MANAGER_VIEW_ID = "loopwright.manager";

type Message = { type: string; text?: string; decision?: string; answer?: string; id?: string; tool?: string };

export class ManagerView implements WebviewViewProvider, Disposable {
  private view: WebviewView | undefined;
  private readonly thread = new ManagerThreadModel();
  private readonly disposables: Disposable[];

  constructor(private readonly server: LoopwrightServer, private readonly store: LoopStore) {
    server.onNotification(Methods.thread, (p: ThreadParams) => {
      if (this.thread.append(p.entries ?? [])) {
        this.render();
      }
    });
    this.disposables = [
      registerWebviewView(MANAGER_VIEW_ID, this),
      server.onReady(() => void this.load()),
      store.onDidChange(() => this.render()), // an escalation answered elsewhere loses its buttons
      registerCommand("loopwright.tellManager", async (arg?: unknown) => this.tellFromPalette(arg)),
    ];
  }

  resolveWebviewView(view: WebviewView, _context: WebviewViewResolveContext, _token: CancellationToken): void {
    this.view = view;
    view.webview.options = { enableScripts: true, enableForms: true, enableCommandUris: false, localResourceRoots: [] };
    view.webview.html = managerPage(randomBytes(16).toString("base64"));
    view.webview.onDidReceiveMessage((m: Message) => void this.onMessage(m));
    view.onDidDispose(() => {
      this.view = undefined;
    });
  }

  private async load(): Promise<void> {
    try {
      this.thread.reset(await this.server.request<ManagerThread>(Methods.manager, {}));
      this.render();
    } catch (e) {
      traceWarn(`loopwright/manager failed: ${errorText(e)}`);
      void this.view?.webview.postMessage({ type: "render", status: `The manager's thread could not be read: ${errorText(e)}`, html: "" });
    }
  }

  private render(): void {
    if (this.view === undefined) {
      return;
    }
    const open = new Set(this.store.snapshot().inbox.filter((i) => i.kind === "decision").map((i) => i.ref));
    const t = this.thread.current;
    void this.view.webview.postMessage({ type: "render", status: managerStatus(t), html: entriesHtml(t?.entries ?? [], open) });
  }

  private async onMessage(m: Message): Promise<void> {
    try {
      switch (m.type) {
        case "ready":
          if (this.thread.loaded) {
            this.render();
          } else if (this.server.running) {
            await this.load();
          }
          return;
        case "tell":
          await this.tell(m.text ?? "");
          void this.view?.webview.postMessage({ type: "told" });
          return;
        case "answer":
          if (m.decision !== undefined && m.answer !== undefined) {
            await this.server.request(Methods.answer, { decision: m.decision, answer: m.answer });
            setStatusBarMessage(`$(check) Loopwright: answered ${m.decision}: ${m.answer}`, 5000);
          }
          return;
        case "answerOther":
          await executeCommand("loopwright.answerDecision", m.decision);
          return;
        case "overrule":
          await this.overrule(m.id ?? "", m.tool ?? "");
          return;
      }
    } catch (e) {
      traceError(`The Manager view's ${m.type} failed`, e);
      void showErrorMessage(`Loopwright: ${errorText(e)}`);
    }
  }

  private async tell(text: string): Promise<void> {
    if (text.trim() === "") {
      return;
    }
    const entry = await this.server.request<ThreadEntry>(Methods.tell, { text: text.trim() });
    this.thread.append([entry]);
    this.render();
    setStatusBarMessage("$(check) Loopwright: told the manager", 4000);
  }

  private async tellFromPalette(arg: unknown): Promise<void> {
    const text = typeof arg === "string" ? arg : await showInputBox({
      title: "Loopwright: Tell the Manager",
      prompt: "A message to the manager: a priority, a rule, an answer it should remember.",
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === "" ? "Type a message." : undefined),
    });
    if (text !== undefined) {
      try {
        await this.tell(text);
      } catch (e) {
        traceError("loopwright.tellManager failed", e);
        void showErrorMessage(`Loopwright: ${errorText(e)}`);
      }
    }
  }

  private async overrule(act: string, tool: string): Promise<void> {
    if (act === "") {
      return;
    }
    const answer = tool === "answer"
      ? await showInputBox({ title: `Overrule ${act}`, prompt: "Your answer instead (it goes to the worker)", ignoreFocusOut: true })
      : "";
    if (answer === undefined) {
      return;
    }
    const why = await showInputBox({ title: `Overrule ${act}`, prompt: "Why? (optional; the manager reads it)", ignoreFocusOut: true });
    if (why === undefined) {
      return;
    }
    await this.server.request(Methods.overruleAct, { act, ...(answer ? { answer } : {}), ...(why ? { why } : {}) });
    setStatusBarMessage(`$(check) Loopwright: overruled ${act}`, 5000);
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
