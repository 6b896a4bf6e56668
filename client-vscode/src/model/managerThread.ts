// The Manager view's content: the thread as `loopwright/manager` returned it with the
// `$/loopwright/thread` entries appended since, and the HTML of its entries (the
// human's messages, the manager's words and acts, escalations with answer buttons).
// Pure: no `vscode`, so the tests read exactly what the view shows.

import { escapeHtml } from "../dashboard/page";
import type { ManagerThread, ThreadEntry } from "../protocol";

const KEEP = 500;

export class ManagerThreadModel {
  private thread: ManagerThread | undefined;

  get loaded(): boolean {
    return this.thread !== undefined;
  }

  get current(): ManagerThread | undefined {
    return this.thread;
  }

  reset(thread: ManagerThread): void {
    this.thread = { ...thread, entries: [...thread.entries].sort((a, b) => a.seq - b.seq).slice(-KEEP) };
  }

  /** New entries; those already held (by seq) are dropped. Returns whether any applied. */
  append(entries: readonly ThreadEntry[]): boolean {
    if (this.thread === undefined) {
      return false;
    }
    const last = this.thread.entries.length > 0 ? this.thread.entries[this.thread.entries.length - 1].seq : this.thread.seq;
    const fresh = entries.filter((e) => e.seq > last).sort((a, b) => a.seq - b.seq);
    if (fresh.length === 0) {
      return false;
    }
    const thinking = fresh.some((e) => e.kind === "turn") ? true : this.thread.thinking;
    this.thread = {
      ...this.thread,
      seq: Math.max(this.thread.seq, fresh[fresh.length - 1].seq),
      thinking,
      entries: this.thread.entries.concat(fresh).slice(-KEEP),
    };
    return true;
  }
}

/** One line over the thread: whether the manager runs and what it cost. */
export function managerStatus(t: ManagerThread | undefined): string {
  if (t === undefined) {
    return "Loading the manager's thread…";
  }
  if (t.agent === "off" || t.agent === "") {
    return 'The manager is off: set [manager] agent = "claude" in .loopwright/config.toml to run it.';
  }
  const parts = [
    t.running ? (t.thinking ? "thinking…" : "idle") : "not running",
    `${t.turns} turn${t.turns === 1 ? "" : "s"}`,
    t.pendingWakes > 0 ? `${t.pendingWakes} wake${t.pendingWakes === 1 ? "" : "s"} waiting` : "",
    t.costUsd > 0 ? `$${t.costUsd.toFixed(t.costUsd < 0.1 ? 3 : 2)}` : "",
  ].filter((p) => p !== "");
  return `${t.agent} · ${parts.join(" · ")}`;
}

/**
 * The entries as HTML, oldest first. `openDecisions` are the decisions still waiting
 * (from the inbox): only those get answer buttons.
 */
export function entriesHtml(entries: readonly ThreadEntry[], openDecisions: ReadonlySet<string>): string {
  if (entries.length === 0) {
    return '<p class="empty">Nothing yet. Tell the manager what matters: priorities, what never to touch, who to ask.</p>';
  }
  return entries.map((e) => entryHtml(e, openDecisions)).join("\n");
}

function entryHtml(e: ThreadEntry, open: ReadonlySet<string>): string {
  const text = escapeHtml(e.text);
  const when = `<time>${clock(e.at)}</time>`;
  switch (e.kind) {
    case "told":
      return `<div class="entry told" data-seq="${e.seq}"><b>You</b> ${when}<p>${text}</p></div>`;
    case "said":
      return `<div class="entry said" data-seq="${e.seq}"><b>Manager</b> ${when}<p>${text}</p></div>`;
    case "turn":
      return `<div class="entry turn" data-seq="${e.seq}">${when} ${text}</div>`;
    case "acted": {
      const tag = e.overruled
        ? '<span class="tag">overruled</span>'
        : e.overrule !== ""
          ? `<button data-act="overrule" data-id="${escapeHtml(e.actId)}" data-tool="${escapeHtml(e.tool)}" title="${escapeHtml(e.overrule)}">Overrule</button>`
          : "";
      return `<div class="entry acted" data-seq="${e.seq}">${when} <b>${escapeHtml(e.tool || "acted")}</b> ${text} ${tag}</div>`;
    }
    case "refused":
      return `<div class="entry refused" data-seq="${e.seq}">${when} <b>refused</b> ${text}</div>`;
    case "escalated":
      return escalationHtml(e, open, when);
    case "noted":
      return `<div class="entry noted" data-seq="${e.seq}">${when} <b>noted</b> ${text}</div>`;
    default:
      return `<div class="entry other" data-seq="${e.seq}">${when} ${text}</div>`;
  }
}

function escalationHtml(e: ThreadEntry, open: ReadonlySet<string>, when: string): string {
  const lines = [
    `<p>${escapeHtml(e.text)}</p>`,
    e.recommendation !== "" ? `<p class="why">Recommends: ${escapeHtml(e.recommendation)}</p>` : "",
    e.default !== "" ? `<p class="why">Until you answer: ${escapeHtml(e.default)}</p>` : "",
  ];
  let answer = '<span class="tag">answered</span>';
  if (e.decisionId !== "" && open.has(e.decisionId)) {
    const d = escapeHtml(e.decisionId);
    const buttons = e.options.map((o) =>
      `<button data-act="answer" data-decision="${d}" data-answer="${escapeHtml(o)}"${o === e.recommendation ? ' class="primary"' : ""}>${escapeHtml(o)}</button>`);
    buttons.push(`<button data-act="answerOther" data-decision="${d}">${e.options.length > 0 ? "Other…" : "Answer…"}</button>`);
    answer = `<div class="answers">${buttons.join(" ")}</div>`;
  }
  return `<div class="entry escalated" data-seq="${e.seq}"><b>Manager asks you</b> ${when}${lines.join("")}${answer}</div>`;
}

function clock(at: number): string {
  const d = new Date(at * 1000);
  return [d.getHours(), d.getMinutes()].map((n) => String(n).padStart(2, "0")).join(":");
}

/**
 * The view's page: a status line, the entries, and a box to tell the manager something.
 * Its one script (allowed by `nonce`) only forwards clicks and the box's text to the
 * extension and puts the entries' HTML it is sent in place; it keeps what is typed.
 */
export function managerPage(nonce: string): string {
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'`;
  return `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<style>
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 8px 8px; }
#status { color: var(--vscode-descriptionForeground); margin: 6px 0; }
.entry { margin: 6px 0; }
.entry p { margin: 2px 0; white-space: pre-wrap; }
.told { background: var(--vscode-textBlockQuote-background); border-left: 3px solid var(--vscode-textLink-foreground); padding: 4px 6px; }
.said { border-left: 3px solid var(--vscode-charts-purple); padding: 4px 6px; }
.escalated { border: 1px solid var(--vscode-charts-yellow); border-radius: 3px; padding: 6px; }
.turn, .other { color: var(--vscode-descriptionForeground); font-size: 0.9em; }
.refused b { color: var(--vscode-errorForeground); }
.why { color: var(--vscode-descriptionForeground); }
time { color: var(--vscode-descriptionForeground); font-size: 0.85em; }
.tag { font-size: 0.85em; padding: 0 4px; border: 1px solid var(--vscode-descriptionForeground); border-radius: 3px; }
button { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); border: none; padding: 2px 8px; margin: 2px 2px 0 0; cursor: pointer; }
button.primary, #send { background: var(--vscode-button-background); color: var(--vscode-button-foreground); }
form { position: sticky; bottom: 0; background: var(--vscode-sideBar-background); padding-top: 6px; }
textarea { width: 100%; box-sizing: border-box; min-height: 3em; resize: vertical; background: var(--vscode-input-background); color: var(--vscode-input-foreground); border: 1px solid var(--vscode-input-border, transparent); font-family: inherit; }
</style></head><body>
<div id="status">Loading the manager's thread…</div>
<div id="entries"></div>
<form id="tell"><textarea id="text" aria-label="Tell the manager" placeholder="Tell the manager… (Ctrl+Enter sends)"></textarea>
<button id="send" type="submit">Tell the manager</button></form>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
const text = document.getElementById("text");
document.getElementById("tell").addEventListener("submit", (ev) => {
  ev.preventDefault();
  if (text.value.trim() !== "") { vscode.postMessage({ type: "tell", text: text.value }); }
});
text.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); document.getElementById("send").click(); }
});
document.getElementById("entries").addEventListener("click", (ev) => {
  const b = ev.target.closest("button[data-act]");
  if (b) { vscode.postMessage({ type: b.dataset.act, ...b.dataset }); }
});
window.addEventListener("message", (ev) => {
  const m = ev.data;
  if (m.type === "render") {
    document.getElementById("status").textContent = m.status;
    const list = document.getElementById("entries");
    const atEnd = window.innerHeight + window.scrollY >= document.body.scrollHeight - 20;
    list.innerHTML = m.html;
    if (atEnd) { window.scrollTo(0, document.body.scrollHeight); }
  } else if (m.type === "told") {
    text.value = "";
  }
});
vscode.postMessage({ type: "ready" });
</script></body></html>`;
}
