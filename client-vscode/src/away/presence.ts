// Tells the server when the human is at this window (`loopwright/presence`): focus, and
// typing, selecting or switching editors while focused, throttled (model/presence.ts).
// A push for an item then waits a little, since the human will likely see it here.
// A server without the method is asked once and then left alone.

import { window, workspace, type Disposable } from "vscode";
import { PRESENCE_METHOD, PresenceThrottle } from "../model/presence";
import { errorText, traceInfo } from "../common/log";
import type { LoopwrightServer } from "../common/server";

const METHOD_NOT_FOUND = -32601;

export class PresenceReporter implements Disposable {
  private readonly throttle = new PresenceThrottle();
  private unsupported = false;
  private readonly disposables: Disposable[];

  constructor(private readonly server: LoopwrightServer) {
    const active = (): void => {
      if (window.state.focused) {
        this.report(true);
      }
    };
    this.disposables = [
      window.onDidChangeWindowState((s) => this.report(s.focused)),
      window.onDidChangeTextEditorSelection(active),
      window.onDidChangeActiveTextEditor(active),
      // Typing, not a log channel being written to.
      workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.scheme === "file" || e.document.uri.scheme === "untitled") {
          active();
        }
      }),
      server.onReady(() => {
        this.unsupported = false;
        this.throttle.reset();
        this.report(window.state.focused);
      }),
    ];
  }

  /** Also called by Loopwright commands: using them is being here. */
  report(active: boolean): void {
    if (this.unsupported || !this.server.running || !this.throttle.shouldSend(active, Date.now())) {
      return;
    }
    this.server.request(PRESENCE_METHOD, { active }).catch((e: unknown) => {
      if ((e as { code?: number }).code === METHOD_NOT_FOUND) {
        this.unsupported = true;
        traceInfo("This server does not take presence reports (no push to hold)");
      } else {
        traceInfo(`loopwright/presence failed: ${errorText(e)}`);
      }
    });
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
