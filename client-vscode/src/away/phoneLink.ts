// **Loopwright: Show Phone Link**: the web page's link and QR code in a webview panel,
// to open the page on a phone (docs/anywhere.md). No script runs in the panel.

import type { Disposable, WebviewPanel } from "vscode";
import { PHONE_LINK_METHOD, phoneLinkPage, readPhoneLink } from "../model/phoneLink";
import { errorText, traceError } from "../common/log";
import type { LoopwrightServer } from "../common/server";
import { createWebviewPanel, registerCommand, showErrorMessage } from "../common/vscodeapi";

export const PHONE_LINK_TITLE = "Loopwright on your phone";

export function registerPhoneLink(server: LoopwrightServer): Disposable {
  let panel: WebviewPanel | undefined;
  return registerCommand("loopwright.showPhoneLink", async () => {
    try {
      const link = readPhoneLink(await server.request<unknown>(PHONE_LINK_METHOD, {}));
      if (panel === undefined) {
        panel = createWebviewPanel("loopwright.phoneLink", PHONE_LINK_TITLE, {
          enableScripts: false, enableForms: false, enableCommandUris: false, localResourceRoots: [],
        });
        panel.onDidDispose(() => {
          panel = undefined;
        });
      } else {
        panel.reveal();
      }
      panel.webview.html = phoneLinkPage(link);
    } catch (e) {
      traceError("loopwright.showPhoneLink failed", e);
      void showErrorMessage(`Loopwright: ${errorText(e)}`);
    }
  });
}
