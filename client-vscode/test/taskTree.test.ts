import { test } from "node:test";
import assert from "node:assert/strict";
import { LoopStore } from "../src/model/store";
import { sessionTree } from "../src/model/tree";
import { row, state, task } from "./fixtures";

function snapOf(s: Parameters<LoopStore["reset"]>[0]) {
  const store = new LoopStore();
  store.reset(s, 0);
  return store.snapshot();
}

const split = state({
  tasks: [
    task({ taskId: "t-p", title: "Add the export", filedAt: 10, children: ["t-a", "t-b", "t-c"], openReason: "1 of 3 sub-tasks done" }),
    task({ taskId: "t-a", title: "Add the schema", parent: "t-p", done: true }),
    task({ taskId: "t-b", title: "Use it in the API", parent: "t-p", dependsOn: ["t-a"] }),
    task({ taskId: "t-c", title: "Document it", parent: "t-p", dependsOn: ["t-b"], waitingOn: ["t-b"] }),
    task({ taskId: "t-x", title: "Unrelated", filedAt: 5 }),
  ],
  sessions: [
    row({ sessionId: "s-a", name: "add-the-schema", taskId: "t-a", group: "t-a", title: "Add the schema", state: "landed" }),
    row({ sessionId: "s-b", name: "use-it-in-the-api", taskId: "t-b", group: "t-b", title: "Use it in the API" }),
    row({ sessionId: "s-x", name: "unrelated", taskId: "t-x", group: "t-x", title: "Unrelated", queuedAt: 5 }),
  ],
});

test("a split task shows its sub-tasks under it, each with its session or what it waits on", () => {
  const [parent, other] = sessionTree(snapOf(split), 0);
  assert.equal(parent.label, "Add the export");
  assert.equal(parent.description, "1 of 3 sub-tasks done");
  assert.deepEqual(parent.children?.map((c) => [c.label, c.description?.split(" · ")[0]]), [
    ["add-the-schema", "landed"],
    ["use-it-in-the-api", "running"],
    ["Document it", "waiting on Use it in the API"],
  ]);
  assert.match(parent.children?.[1].tooltip ?? "", /after Add the schema/);
  assert.equal(other.label, "Unrelated");
  assert.deepEqual(other.children?.map((c) => c.sessionId), ["s-x"]);
});

test("the sessions of a split tree are not shown a second time in their own groups", () => {
  const nodes = sessionTree(snapOf(split), 0);
  const ids = (ns: readonly { sessionId?: string; children?: readonly unknown[] }[]): string[] =>
    ns.flatMap((n) => [n.sessionId ?? "", ...ids((n.children ?? []) as typeof ns)]).filter((s) => s !== "");
  assert.deepEqual(ids(nodes).sort(), ["s-a", "s-b", "s-x"]);
});

test("without split fields the tree is as before", () => {
  const nodes = sessionTree(snapOf(state({ tasks: [task({ taskId: "t-1" })], sessions: [row({ sessionId: "s-1" })] })), 0);
  assert.equal(nodes.length, 1);
  assert.equal(nodes[0].id, "group:t-1");
});

test("a split task whose sub-tasks are all done reads as done", () => {
  const done = state({
    tasks: [
      task({ taskId: "t-p", title: "P", children: ["t-a"], done: true }),
      task({ taskId: "t-a", title: "A", parent: "t-p", done: true }),
    ],
  });
  const [p] = sessionTree(snapOf(done), 0);
  assert.equal(p.description, "done · 1 sub-task");
  assert.equal(p.icon?.id, "pass");
});
