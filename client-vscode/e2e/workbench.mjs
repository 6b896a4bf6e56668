// What the e2e test does to VS Code's workbench, by what a person sees: the activity
// bar, the command palette, quick inputs, tree rows, code lenses, the status bar.

import { join } from "node:path";

export class Workbench {
  constructor(page, shotsDir, say) {
    this.page = page;
    this.shotsDir = shotsDir;
    this.say = say;
  }

  async ready() {
    await this.page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    await this.page.locator(".part.activitybar").waitFor({ timeout: 60_000 });
    // Let the first extension activation and layout settle.
    await this.page.waitForTimeout(1000);
  }

  async openLoopwright() {
    const tab = this.page.locator('.part.activitybar [aria-label^="Loopwright"]').first();
    try {
      await tab.waitFor({ timeout: 30_000 });
    } catch (e) {
      const html = await this.page.locator(".part.activitybar").innerHTML().catch(() => "");
      this.say(`activity bar: ${html.slice(0, 4000)}`);
      throw e;
    }
    await tab.click();
    await this.page.mouse.move(900, 500); // no hover tooltip in the screenshots
    await this.page.locator('.pane-header[aria-label^="Sessions"]').first().waitFor({ timeout: 30_000 });
  }

  async waitForStatus(pattern, timeoutMs) {
    const until = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < until) {
      last = (await this.page.locator(".part.statusbar").innerText().catch(() => "")) ?? "";
      if (pattern.test(last)) {
        return last;
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`status bar never matched ${pattern}; it shows: ${JSON.stringify(last)}`);
  }

  async runCommand(title) {
    await this.page.keyboard.press("F1");
    const input = this.page.locator(".quick-input-widget input.input");
    await input.waitFor({ state: "visible", timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = this.page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first();
    await row.waitFor({ timeout: 10_000 });
    await input.press("Enter");
  }

  /** Type into the open quick input (an input box); `shot` names a screenshot taken before Enter. */
  async typeInput(text, shot) {
    const input = this.page.locator(".quick-input-widget input.input");
    await input.waitFor({ state: "visible", timeout: 10_000 });
    await this.page.waitForTimeout(200);
    await input.fill(text);
    await this.page.waitForTimeout(150);
    if (shot) {
      await this.shot(shot.name, shot.caption);
    }
    await input.press("Enter");
    await this.page.waitForTimeout(300);
  }

  async pickQuickItem(label, shotName) {
    const row = this.page.locator(".quick-input-list .monaco-list-row", { hasText: label }).first();
    await row.waitFor({ timeout: 10_000 });
    if (shotName) {
      await this.shot(shotName, `Quick pick: ${label}`);
    }
    await row.click();
  }

  async openFile(path) {
    await this.page.keyboard.press("Control+P");
    const input = this.page.locator(".quick-input-widget input.input");
    await input.waitFor({ state: "visible", timeout: 10_000 });
    await input.fill(path);
    const name = path.split("/").pop();
    await this.page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().waitFor({ timeout: 15_000 });
    await input.press("Enter");
    await this.page.locator(`.tabs-container .tab[aria-label^="${name}"]`).first().waitFor({ timeout: 10_000 });
    await this.page.locator(".editor-instance .monaco-editor .view-lines").first().click();
  }

  async selectAll() {
    await this.page.keyboard.press("Control+A");
  }

  /** A row of a view (by the view's title) whose accessible text matches `pattern`. */
  async waitForTreeItem(viewTitle, pattern, timeoutMs) {
    const pane = this.page.locator(".pane", { has: this.page.locator(`.pane-header[aria-label^="${viewTitle}"]`) }).first();
    const rows = pane.locator(".monaco-list-row");
    const until = Date.now() + timeoutMs;
    let seen = [];
    while (Date.now() < until) {
      // Label and description are separate elements: join their texts with a space.
      seen = await rows.evaluateAll((els) => els.map((e) => {
        const texts = [];
        const walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
        while (walk.nextNode()) {
          texts.push(walk.currentNode.textContent);
        }
        return texts.join(" ").replace(/\s+/g, " ").trim();
      }));
      const i = seen.findIndex((t) => pattern.test(t));
      if (i >= 0) {
        // The session rows sit under their group; return the matching row itself.
        return rows.nth(i);
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`no row in ${viewTitle} matched ${pattern}; rows: ${JSON.stringify(seen)}`);
  }

  async waitForNotification(pattern, timeoutMs) {
    const toasts = this.page.locator(".notifications-toasts .notification-toast");
    const until = Date.now() + timeoutMs;
    let seen = [];
    while (Date.now() < until) {
      seen = await toasts.evaluateAll((els) => els.map((e) => e.innerText.replace(/\s+/g, " ").trim()));
      if (seen.some((t) => pattern.test(t))) {
        return;
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`no notification matched ${pattern}; shown: ${JSON.stringify(seen)}`);
  }

  async clearNotifications() {
    await this.runCommand("Notifications: Clear All Notifications");
    await this.page.waitForTimeout(300);
  }

  async waitForCodeLens(title, timeoutMs) {
    const lens = this.page.locator(".codelens-decoration a", { hasText: title }).first();
    await lens.waitFor({ state: "visible", timeout: timeoutMs });
    return lens;
  }

  /** The editor tab titled `title`. */
  async waitForTab(title, timeoutMs) {
    const tab = this.page.locator(`.tabs-container .tab[aria-label^="${title}"]`).first();
    await tab.waitFor({ timeout: timeoutMs });
    return tab;
  }

  /**
   * Wait until the (last opened) webview shows text matching `pattern`. A webview is an
   * iframe (iframe.webview) whose page sits in another iframe inside it (#active-frame).
   */
  async waitForWebviewText(pattern, timeoutMs) {
    const body = this.page.frameLocator("iframe.webview").last().frameLocator("iframe#active-frame").locator("body");
    const until = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < until) {
      last = (await body.innerText({ timeout: 1000 }).catch(() => "")) ?? "";
      if (pattern.test(last)) {
        return last;
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`the webview never showed ${pattern}; it shows: ${JSON.stringify(last.slice(0, 500))}`);
  }

  async shot(name, caption) {
    const path = join(this.shotsDir, `${name}.png`);
    await this.page.screenshot({ path });
    this.say(`screenshot ${name}.png: ${caption}`);
  }
}
