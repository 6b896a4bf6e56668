import { test } from "node:test";
import assert from "node:assert/strict";
import { ManagerThreadModel, entriesHtml, managerPage, managerStatus } from "../src/model/managerThread";
import type { ManagerThread, ThreadEntry } from "../src/protocol";

function entry(over: Partial<ThreadEntry> & { seq: number }): ThreadEntry {
  return {
    at: 0, kind: "said", text: "", by: "manager", turn: 1, actId: "", tool: "", decisionId: "", sessionId: "",
    taskId: "", options: [], recommendation: "", default: "", overrule: "", overruled: false, ...over,
  };
}

function thread(over: Partial<ManagerThread> = {}): ManagerThread {
  return {
    seq: 5, agent: "claude", running: true, thinking: false, turns: 2, pendingWakes: 0, decides: ["triage"],
    tokens: 0, costUsd: 0, entries: [], ...over,
  };
}

test("entries that arrive after the thread was read are appended once, in order", () => {
  const m = new ManagerThreadModel();
  assert.equal(m.append([entry({ seq: 9 })]), false, "nothing applies before the first read");
  m.reset(thread({ entries: [entry({ seq: 3, kind: "told", by: "human", text: "Release bugs first" })] }));
  assert.equal(m.append([entry({ seq: 7, kind: "turn", text: "woke: told" }), entry({ seq: 3 })]), true);
  assert.equal(m.append([entry({ seq: 7 })]), false, "an entry already held is not added again");
  assert.deepEqual(m.current?.entries.map((e) => e.seq), [3, 7]);
  assert.equal(m.current?.thinking, true, "a turn entry means it is thinking");
});

test("the status line says when the manager is off and how to turn it on", () => {
  assert.match(managerStatus(thread({ agent: "off" })), /manager is off: set \[manager\] agent = "claude"/);
  assert.equal(managerStatus(thread({ thinking: true, turns: 1, costUsd: 0.042 })), "claude · thinking… · 1 turn · $0.042");
});

test("an open escalation has a button per option (the recommended one first-class) and Other…", () => {
  const html = entriesHtml([entry({
    seq: 4, kind: "escalated", text: "Which greeting?", decisionId: "d-1", options: ["hi", "hello"],
    recommendation: "hello", default: "hi",
  })], new Set(["d-1"]));
  assert.match(html, /Manager asks you/);
  assert.match(html, /Recommends: hello/);
  assert.match(html, /Until you answer: hi/);
  assert.match(html, /<button data-act="answer" data-decision="d-1" data-answer="hi">hi<\/button>/);
  assert.match(html, /data-answer="hello" class="primary">hello</);
  assert.match(html, /data-act="answerOther"[^>]*>Other…</);
});

test("an answered escalation has no buttons; the human's words are escaped", () => {
  const html = entriesHtml([
    entry({ seq: 4, kind: "escalated", text: "Which?", decisionId: "d-1", options: ["a"] }),
    entry({ seq: 5, kind: "told", by: "human", text: "<script>alert(1)</script>" }),
  ], new Set());
  assert.doesNotMatch(html, /<button/);
  assert.match(html, /answered/);
  assert.doesNotMatch(html, /<script>/);
  assert.match(html, /<b>You<\/b>/);
});

test("an act taken alone offers an overrule until it is overruled", () => {
  const act = entry({ seq: 6, kind: "acted", tool: "answer", text: "answered d-2: yes", actId: "m3.1", overrule: "loopwright overrule m3.1" });
  assert.match(entriesHtml([act], new Set()), /data-act="overrule" data-id="m3.1" data-tool="answer"/);
  assert.match(entriesHtml([{ ...act, overruled: true }], new Set()), /class="tag">overruled/);
});

test("the page runs only its own script (a nonce) and has a box to tell the manager", () => {
  const page = managerPage("abc123");
  assert.match(page, /script-src 'nonce-abc123'/);
  assert.match(page, /default-src 'none'/);
  assert.match(page, /<textarea id="text" aria-label="Tell the manager"/);
  assert.equal((page.match(/<script/g) ?? []).length, 1);
});
