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

  /** Click a session's row and wait for its diff's tab (named after the session); a
   *  click that lands while the tree redraws is tried again. */
  async openSession(viewTitle, pattern, name, timeoutMs = 60_000) {
    for (let attempt = 1; ; attempt++) {
      const row = await this.waitForTreeItem(viewTitle, pattern, timeoutMs);
      await row.click();
      try {
        await this.page.locator(`.tabs-container .tab[aria-label*="${name}"]`).first().waitFor({ timeout: 8_000 });
        return row;
      } catch (e) {
        if (attempt >= 3) {
          throw e;
        }
        this.say(`no tab for ${name} after the click (attempt ${attempt}); clicking again`);
      }
    }
  }

  /** An action button of the active editor's title bar, by its label (e.g. "Approve & Land"). */
  async clickEditorAction(label, timeoutMs = 10_000) {
    const button = this.page.locator(`.editor-actions .action-label[aria-label^="${label}"]`).first();
    await button.waitFor({ state: "visible", timeout: timeoutMs });
    await button.click();
  }

  /** An action of a view's title bar (header actions always show: see settings.json). */
  async clickViewAction(viewTitle, label, timeoutMs = 10_000) {
    const header = this.page.locator(`.pane-header[aria-label^="${viewTitle}"]`).first();
    const button = header.locator(`.action-label[aria-label^="${label}"]`).first();
    await button.waitFor({ state: "visible", timeout: timeoutMs });
    await button.click();
  }

  /** The description next to a view's title (e.g. "3 of 7 files viewed"). */
  async waitForViewDescription(viewTitle, pattern, timeoutMs) {
    const header = this.page.locator(`.pane-header[aria-label^="${viewTitle}"]`).first();
    const until = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < until) {
      last = (await header.innerText().catch(() => "")).replace(/\s+/g, " ");
      if (pattern.test(last)) {
        return last;
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`the ${viewTitle} view's header never matched ${pattern}; it shows: ${JSON.stringify(last)}`);
  }

  /** The modified (right) side of the diff editor in front. */
  modifiedEditor() {
    return this.page.locator(".editor-instance .monaco-diff-editor .editor.modified").first();
  }

  /** Put the cursor on a 1-based line of the focused editor (Go to Line). */
  async goToLine(line) {
    await this.page.keyboard.press("Control+G");
    const input = this.page.locator(".quick-input-widget input.input");
    await input.waitFor({ state: "visible", timeout: 10_000 });
    await input.fill(`:${line}`);
    await input.press("Enter");
    await this.page.waitForTimeout(300);
  }

  /** The comment threads shown in the editors, each as {title, comments: [{author, body}], text}. */
  async threads() {
    return this.page.locator(".review-widget").evaluateAll((els) => els.map((w) => ({
      title: (w.querySelector(".head .review-title")?.textContent ?? "").replace(/\s+/g, " ").trim(),
      comments: [...w.querySelectorAll(".review-comment")].map((c) => ({
        author: (c.querySelector(".author")?.textContent ?? "").trim(),
        body: (c.querySelector(".comment-body")?.textContent ?? "").replace(/\s+/g, " ").trim(),
      })),
    })));
  }

  /** Wait until some thread satisfies `check(thread)`; returns it. */
  async waitForThread(check, what, timeoutMs) {
    const until = Date.now() + timeoutMs;
    let seen = [];
    while (Date.now() < until) {
      seen = await this.threads();
      const t = seen.find(check);
      if (t !== undefined) {
        return t;
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`no comment thread is ${what}; threads: ${JSON.stringify(seen)}`);
  }

  /** The thread widget whose text matches `pattern`. */
  threadWidget(pattern) {
    return this.page.locator(".review-widget", { hasText: pattern }).first();
  }

  /** Type into a thread's comment box and press its button (`Reply`, `Start Thread`). */
  async submitInThread(widget, text, button) {
    const reply = widget.locator(".review-thread-reply-button");
    if (await reply.isVisible().catch(() => false)) {
      await reply.click();
    }
    const box = widget.locator(".comment-form .monaco-editor textarea, .comment-form textarea").first();
    await box.waitFor({ state: "attached", timeout: 10_000 });
    await widget.locator(".comment-form .monaco-editor").first().click();
    await this.page.keyboard.type(text);
    await this.page.waitForTimeout(200);
    const press = widget.locator(".monaco-button", { hasText: button }).first();
    try {
      await press.click({ timeout: 10_000 });
    } catch (e) {
      const html = await widget.evaluate((w) => w.outerHTML).catch(() => "(gone)");
      this.say(`the thread's form: ${html.replace(/<svg[\s\S]*?<\/svg>/g, "").slice(0, 6000)}`);
      throw e;
    }
  }

  /** The text of the editor line just above a thread's widget: the code it sits on
   *  (waits a while for the editor to settle: lines are drawn as it scrolls). */
  async lineAboveThread(pattern, expected) {
    let seen = "";
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      await this.threadWidget(pattern).scrollIntoViewIfNeeded().catch(() => undefined);
      seen = (await this.lineAboveOnce(pattern).catch(() => "")).trim();
      if (seen === expected) {
        break;
      }
      await this.page.waitForTimeout(300);
    }
    return seen;
  }

  async lineAboveOnce(pattern) {
    return this.threadWidget(pattern).evaluate((w) => {
      const zone = w.closest(".zone-widget") ?? w;
      const top = zone.getBoundingClientRect().top;
      const editor = zone.closest(".monaco-editor");
      let best = "";
      let bestBottom = -Infinity;
      for (const line of editor?.querySelectorAll(".view-line") ?? []) {
        const r = line.getBoundingClientRect();
        if (r.bottom <= top + 2 && r.bottom > bestBottom) {
          bestBottom = r.bottom;
          best = line.textContent ?? "";
        }
      }
      return best.replace(/\u00a0/g, " ");
    });
  }

  /** The text of one side of the diff editor in front ("original" or "modified"). */
  async diffSideText(side) {
    const text = await this.page.locator(`.editor-instance .monaco-diff-editor .editor.${side} .view-lines`).first().innerText();
    return text.replace(/\u00a0/g, " ");
  }

  /** The frame of the webview whose page has `selector` (webviews nest two iframes deep). */
  async webviewFrameWith(selector, timeoutMs) {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      for (const f of this.page.frames()) {
        if (await f.$(selector).catch(() => null)) {
          return f;
        }
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`no webview has ${selector}`);
  }

  async shot(name, caption) {
    const path = join(this.shotsDir, `${name}.png`);
    await this.page.screenshot({ path });
    this.say(`screenshot ${name}.png: ${caption}`);
  }
}
