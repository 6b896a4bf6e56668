// **Loopwright: Show Dashboard**: the server's report page (`loopwright/dashboard`) in a
// webview panel. No scripts run in it (enableScripts off, and a CSP allowing inline
// styles only). While the panel is visible it is fetched again when the loop changes,
// at most once a second; a hidden panel is brought up to date when it shows again.

import type { Disposable, WebviewPanel } from "vscode";
import { Methods, type DashboardResult } from "../protocol";
import type { LoopStore } from "../model/store";
import { errorText, traceWarn } from "../common/log";
import type { LoopwrightServer } from "../common/server";
import { createWebviewPanel } from "../common/vscodeapi";
import { Debouncer, errorPage, withCsp } from "./page";

export const DASHBOARD_VIEW_TYPE = "loopwright.dashboard";
export const DASHBOARD_TITLE = "Loopwright Dashboard";
const REFRESH_MS = 1000;

export class DashboardPanel implements Disposable {
  private panel: WebviewPanel | undefined;
  private stale = false;
  private loading: Promise<void> | undefined;
  private again = false;
  private readonly refresher = new Debouncer(() => void this.load(), REFRESH_MS);
  private readonly disposables: Disposable[];

  constructor(
    private readonly server: LoopwrightServer,
    store: LoopStore,
  ) {
    this.disposables = [store.onDidChange(() => this.changed()), server.onReady(() => this.changed())];
  }

  /** Open the panel (or bring it to the front) and show the page as it is now. */
  async show(): Promise<void> {
    if (this.panel !== undefined) {
      this.panel.reveal();
      return this.load();
    }
    const panel = createWebviewPanel(DASHBOARD_VIEW_TYPE, DASHBOARD_TITLE, {
      enableScripts: false,
      enableForms: false,
      enableCommandUris: false,
      localResourceRoots: [],
    });
    this.panel = panel;
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.refresher.dispose();
    });
    panel.onDidChangeViewState(() => {
      if (panel.visible && this.stale) {
        this.refresher.poke();
      }
    });
    return this.load();
  }

  private changed(): void {
    if (this.panel === undefined) {
      return;
    }
    if (this.panel.visible) {
      this.refresher.poke();
    } else {
      this.stale = true;
    }
  }

  /** Fetch and show the page; a change that comes in meanwhile fetches once more after. */
  private async load(): Promise<void> {
    if (this.loading !== undefined) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.fetch().finally(() => {
      this.loading = undefined;
      if (this.again) {
        this.again = false;
        this.refresher.poke();
      }
    });
    return this.loading;
  }

  private async fetch(): Promise<void> {
    this.stale = false;
    let html: string;
    try {
      const result = await this.server.request<DashboardResult>(Methods.dashboard, {});
      html = withCsp(result.html);
    } catch (e) {
      traceWarn(`loopwright/dashboard failed: ${errorText(e)}`);
      html = errorPage(errorText(e));
    }
    if (this.panel !== undefined) {
      this.panel.webview.html = html;
    }
  }

  dispose(): void {
    this.refresher.dispose();
    this.panel?.dispose();
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
