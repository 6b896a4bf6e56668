import { test } from "node:test";
import assert from "node:assert/strict";
import { openCount, threadContext, threadLabel, threadModels, threadsByPath, type WireThread } from "../src/model/threads";

function wire(over: Partial<WireThread> & { threadId: string }): WireThread {
  return {
    path: "src/app.py", side: "head", line: 12, outdated: false, resolved: false,
    comments: [{ author: "reviewer", body: "Name this better", round: 1, at: 100 }],
    ...over,
  };
}

test("a reviewer's thread shows on its 0-based line, authored by the reviewer by name", () => {
  const [t] = threadModels([wire({ threadId: "rv1-1" })], "claude-reviewer");
  assert.equal(t.line, 11);
  assert.equal(t.side, "head");
  assert.deepEqual(t.comments[0], { author: "reviewer", name: "claude-reviewer", body: "Name this better", at: 100 });
  assert.equal(threadLabel(t), "Reviewer claude-reviewer");
});

test("the human's comments read as 'you' and the worker's reply says which round it answers", () => {
  const [t] = threadModels([wire({
    threadId: "th-1",
    comments: [
      { author: "human", body: "Why?", round: 1, at: 1 },
      { author: "worker", body: "Renamed it", round: 1, at: 2 },
    ],
  })]);
  assert.deepEqual(t.comments.map((c) => c.name), ["you", "worker (round 1)"]);
  assert.equal(threadLabel(t), "Started by you");
});

test("an outdated, resolved thread says so in its label and its context", () => {
  const [t] = threadModels([wire({ threadId: "th-2", outdated: true, resolved: true })]);
  assert.equal(threadLabel(t), "Reviewer · Outdated · Resolved");
  assert.equal(threadContext(t), "loopwrightThread resolved outdated");
  assert.match(threadContext({ resolved: false, outdated: false }), /\bopen\b/);
});

test("a thread on the old side stays on the old side; line 1 is line 0", () => {
  const [t] = threadModels([wire({ threadId: "th-3", side: "base", line: 1 })]);
  assert.equal(t.side, "base");
  assert.equal(t.line, 0);
});

test("open threads are counted and threads grouped by file", () => {
  const ts = threadModels([
    wire({ threadId: "a" }),
    wire({ threadId: "b", resolved: true }),
    wire({ threadId: "c", path: "README.md" }),
  ]);
  assert.equal(openCount(ts), 2);
  assert.deepEqual([...threadsByPath(ts).entries()].map(([p, l]) => [p, l.map((t) => t.id)]), [
    ["src/app.py", ["a", "b"]],
    ["README.md", ["c"]],
  ]);
});
