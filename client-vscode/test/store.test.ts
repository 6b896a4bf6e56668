import { test } from "node:test";
import assert from "node:assert/strict";
import { ACTIVITY_LIMIT, LoopStore } from "../src/model/store";
import { inboxItem, row, state } from "./fixtures";

test("the store says when the first state has arrived", () => {
  const store = new LoopStore();
  assert.equal(store.loaded, false);
  store.reset(state({ seq: 0 }), 0);
  assert.equal(store.loaded, true);
});

test("a fresh state replaces everything and sorts the inbox oldest first", () => {
  const store = new LoopStore();
  store.reset(state({
    sessions: [row({ sessionId: "s-1" }), row({ sessionId: "s-2" })],
    inbox: [inboxItem({ ref: "d-2", since: 20 }), inboxItem({ ref: "d-1", since: 10 })],
    running: 2,
    needYou: 2,
  }), 0);
  const snap = store.snapshot();
  assert.equal(snap.sessions.size, 2);
  assert.deepEqual(snap.inbox.map((i) => i.ref), ["d-1", "d-2"]);
  assert.equal(snap.running, 2);
  assert.equal(snap.needYou, 2);
});

test("a delta updates only the sessions it carries and replaces the inbox", () => {
  const store = new LoopStore();
  store.reset(state({ sessions: [row({ sessionId: "s-1" }), row({ sessionId: "s-2" })], inbox: [inboxItem({ ref: "d-1" })] }), 0);
  const applied = store.apply({
    seq: 11,
    sessions: [row({ sessionId: "s-2", state: "awaiting_approval", hasReview: true })],
    removedSessions: [],
    inbox: [],
    running: 1,
    needYou: 0,
    activity: [{ seq: 11, at: 1, text: "s-2: change ready", sessionId: "s-2" }],
  }, 5);
  assert.equal(applied, true);
  const snap = store.snapshot();
  assert.equal(snap.sessions.get("s-1")?.row.state, "running");
  assert.equal(snap.sessions.get("s-2")?.row.state, "awaiting_approval");
  assert.equal(snap.sessions.get("s-2")?.receivedAt, 5);
  assert.equal(snap.inbox.length, 0);
  assert.equal(snap.running, 1);
  assert.deepEqual(snap.activity.map((a) => a.text), ["s-2: change ready"]);
});

test("a delta older than the state it raced is ignored", () => {
  const store = new LoopStore();
  store.reset(state({ seq: 10, sessions: [row({ sessionId: "s-1", state: "landed" })] }), 0);
  assert.equal(store.apply({ seq: 9, sessions: [row({ sessionId: "s-1", state: "running" })] }, 1), false);
  assert.equal(store.snapshot().sessions.get("s-1")?.row.state, "landed");
});

test("removed sessions disappear", () => {
  const store = new LoopStore();
  store.reset(state({ sessions: [row({ sessionId: "s-1" })] }), 0);
  store.apply({ seq: 11, removedSessions: ["s-1"] }, 1);
  assert.equal(store.snapshot().sessions.size, 0);
});

test("the activity digest keeps only the newest lines", () => {
  const store = new LoopStore();
  store.reset(state(), 0);
  const lines = Array.from({ length: ACTIVITY_LIMIT + 5 }, (_, i) => ({ seq: i + 11, at: i, text: `line ${i}`, sessionId: "" }));
  store.apply({ seq: 11 + ACTIVITY_LIMIT + 5, activity: lines }, 1);
  const act = store.snapshot().activity;
  assert.equal(act.length, ACTIVITY_LIMIT);
  assert.equal(act[act.length - 1].text, `line ${ACTIVITY_LIMIT + 4}`);
});

test("sessions are found by id, name or unique id prefix", () => {
  const store = new LoopStore();
  store.reset(state({ sessions: [row({ sessionId: "s-abc", name: "brave-otter" }), row({ sessionId: "s-abd" })] }), 0);
  assert.equal(store.findSession("s-abc")?.name, "brave-otter");
  assert.equal(store.findSession("brave-otter")?.sessionId, "s-abc");
  assert.equal(store.findSession("s-abc")?.sessionId, "s-abc");
  assert.equal(store.findSession("s-ab"), undefined, "an ambiguous prefix finds nothing");
});

test("listeners hear every change and can stop listening", () => {
  const store = new LoopStore();
  let heard = 0;
  const sub = store.onDidChange(() => heard++);
  store.reset(state(), 0);
  store.apply({ seq: 11 }, 0);
  sub.dispose();
  store.apply({ seq: 12 }, 0);
  assert.equal(heard, 2);
});

test("a fresh state without a digest keeps the activity heard so far", () => {
  const store = new LoopStore();
  store.reset(state({ seq: 1 }), 0);
  store.apply({ seq: 2, activity: [{ seq: 2, at: 0, text: "before the restart", sessionId: "" }] }, 0);
  store.reset(state({ seq: 2 }), 1);
  assert.deepEqual(store.snapshot().activity.map((a) => a.text), ["before the restart"]);
});
