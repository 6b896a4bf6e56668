import { test } from "node:test";
import assert from "node:assert/strict";
import { LoopStore } from "../src/model/store";
import { activityTree, inboxTree, sessionContext, sessionTree, sessionsFor } from "../src/model/tree";
import { inboxItem, row, state } from "./fixtures";

function snapOf(s: Parameters<LoopStore["reset"]>[0]) {
  const store = new LoopStore();
  store.reset(s, 0);
  return store.snapshot();
}

test("sessions are grouped by task, titled by the task, newest group first", () => {
  const snap = snapOf(state({
    sessions: [
      row({ sessionId: "s-1", taskId: "t-1", group: "t-1", title: "Old task", queuedAt: 1 }),
      row({ sessionId: "s-2", taskId: "t-2", group: "t-2", title: "New task", queuedAt: 5 }),
      row({ sessionId: "s-3", taskId: "t-2", group: "t-2", title: "New task", queuedAt: 6, state: "failed" }),
    ],
  }));
  const groups = sessionTree(snap, 0);
  assert.deepEqual(groups.map((g) => g.label), ["New task", "Old task"]);
  assert.equal(groups[0].description, "2 sessions, 1 live");
  assert.deepEqual(groups[0].children?.map((c) => c.sessionId), ["s-2", "s-3"]);
});

test("sessions with a label are grouped under the label", () => {
  const snap = snapOf(state({
    sessions: [
      row({ sessionId: "s-1", taskId: "t-1", group: "docs" }),
      row({ sessionId: "s-2", taskId: "t-2", group: "docs" }),
    ],
  }));
  const [g] = sessionTree(snap, 0);
  assert.equal(g.label, "docs");
  assert.equal(g.icon?.id, "tag");
  assert.equal(g.children?.length, 2);
});

test("a session shows state, health, elapsed time and cost when there is one", () => {
  const snap = snapOf(state({
    sessions: [row({ sessionId: "s-1", state: "running", health: "stalled", elapsedSeconds: 65, costUsd: 0.42 })],
  }));
  const node = sessionTree(snap, 0)[0].children![0];
  assert.equal(node.description, "running · stalled · 1m05s · $0.42");
  assert.equal(node.icon?.id, "watch", "an unhealthy session shows its health icon");
});

test("a running session's elapsed time keeps counting after the row arrived", () => {
  const snap = snapOf(state({ sessions: [row({ sessionId: "s-1", state: "running", elapsedSeconds: 10 })] }));
  const node = sessionTree(snap, 30_000)[0].children![0];
  assert.match(node.description ?? "", /40s/);
});

test("a landed session does not count on", () => {
  const snap = snapOf(state({ sessions: [row({ sessionId: "s-1", state: "landed", elapsedSeconds: 10, hasReview: true })] }));
  const node = sessionTree(snap, 30_000)[0].children![0];
  assert.equal(node.description, "landed · 10s");
  assert.equal(node.icon?.id, "pass-filled");
});

test("context values carry the flags the menus' when-clauses match", () => {
  assert.equal(sessionContext("awaiting_approval", true), "session hasDiff awaitingApproval live");
  assert.equal(sessionContext("running", false), "session live");
  assert.equal(sessionContext("failed", true), "session hasDiff retryable");
  assert.equal(sessionContext("landed", true), "session hasDiff");
});

test("clicking a session with a review opens its diff", () => {
  const snap = snapOf(state({ sessions: [row({ sessionId: "s-1", state: "awaiting_approval", hasReview: true })] }));
  const node = sessionTree(snap, 0)[0].children![0];
  assert.deepEqual(node.command, { command: "loopwright.openDiff", title: "Open Diff", args: ["s-1"] });
});

test("the inbox lists decisions and reviews oldest first, each opening the right thing", () => {
  const snap = snapOf(state({
    inbox: [
      inboxItem({ ref: "s-9", kind: "review", title: "Add a greeting", since: 50, sessionId: "s-9", sessionName: "calm-heron", options: [] }),
      inboxItem({ ref: "d-1", kind: "decision", since: 10 }),
    ],
  }));
  const nodes = inboxTree(snap, 60_000);
  assert.deepEqual(nodes.map((n) => n.id), ["inbox:decision:d-1", "inbox:review:s-9"]);
  assert.equal(nodes[0].command?.command, "loopwright.answerDecision");
  assert.deepEqual(nodes[0].command?.args, ["d-1"]);
  assert.equal(nodes[1].command?.command, "loopwright.openDiff");
  assert.deepEqual(nodes[1].command?.args, ["s-9"]);
  assert.equal(nodes[1].description, "needs review · calm-heron · 10s ago");
  assert.equal(nodes[1].contextValue, "inbox review awaitingApproval hasDiff live");
});

test("the activity digest shows the newest line first", () => {
  const store = new LoopStore();
  store.reset(state(), 0);
  store.apply({ seq: 11, activity: [{ seq: 11, at: 0, text: "first", sessionId: "" }, { seq: 12, at: 0, text: "second", sessionId: "" }] }, 0);
  assert.deepEqual(activityTree(store.snapshot()).map((n) => n.label), ["second", "first"]);
});

test("a command's session pick offers only the sessions it applies to", () => {
  const snap = snapOf(state({
    sessions: [
      row({ sessionId: "s-1", state: "awaiting_approval", hasReview: true }),
      row({ sessionId: "s-2", state: "running" }),
      row({ sessionId: "s-3", state: "failed" }),
      row({ sessionId: "s-4", state: "landed", hasReview: true }),
    ],
  }));
  const ids = (want: Parameters<typeof sessionsFor>[1]) => sessionsFor(snap, want).map((r) => r.sessionId).sort();
  assert.deepEqual(ids("approve"), ["s-1"]);
  assert.deepEqual(ids("kill"), ["s-1", "s-2"]);
  assert.deepEqual(ids("retry"), ["s-3"]);
  assert.deepEqual(ids("diff"), ["s-1", "s-4"]);
});
