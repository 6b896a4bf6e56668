import { test } from "node:test";
import assert from "node:assert/strict";
import { hasInterdiff, reviewNodes, viewedSummary, waitingLine } from "../src/model/reviewView";
import type { Review } from "../src/protocol";

function review(over: Partial<Review> = {}): Review {
  const file = (path: string, viewed: boolean) => ({
    path, baseUri: `loopwright-review:/s-1/base/${path}`, headUri: `loopwright-review:/s-1/head/${path}`, hunks: [], viewed, changedSinceReviewed: false, reviewedUri: "",
  });
  return {
    sessionId: "s-1", name: "say-hello", title: "Say hello", state: "awaiting_approval",
    baseCommit: "a".repeat(40), headCommit: "b".repeat(40), added: 3, removed: 1,
    files: [file("a.txt", true), file("b.txt", false), file("c.txt", true)],
    hunks: [], checks: null, gateReasons: ["auto_land is off"], reviewer: null, notes: [],
    round: 1, reviewedRound: 0, reviewedCommit: "", waitingBecause: "", viewedCount: 2, fileCount: 3, threads: [], preview: null,
    ...over,
  };
}

test("the count of viewed files reads as on a pull request", () => {
  assert.equal(viewedSummary(review()), "2 of 3 files viewed");
  assert.equal(viewedSummary(review({ viewedCount: 3, fileCount: 7 })), "3 of 7 files viewed");
  assert.equal(viewedSummary(review({ viewedCount: 0, fileCount: 1 })), "0 of 1 file viewed");
});

test("the line on why it waits is the server's, else the gate's reasons", () => {
  const line = "Waits for you: auto_land is off. It would have landed alone with `[gate] auto_land = true`.";
  assert.equal(waitingLine(review({ waitingBecause: line })), line);
  assert.equal(waitingLine(review()), "Waits for you: auto_land is off");
  assert.equal(waitingLine(review({ gateReasons: [] })), "");
});

test("'Changes since my last review' appears from the second round on only", () => {
  assert.equal(hasInterdiff(review()), false);
  assert.equal(hasInterdiff(review({ round: 2, reviewedRound: 0 })), false);
  assert.equal(hasInterdiff(review({ round: 2, reviewedRound: 1 })), true);
  const labels = reviewNodes(review({ round: 2, reviewedRound: 1 })).map((n) => n.label);
  assert.ok(labels.includes("Changes since my last review"));
  assert.ok(!reviewNodes(review()).some((n) => n.label === "Changes since my last review"));
});

test("the header says the round and size, then why it waits; files carry their viewed box", () => {
  const nodes = reviewNodes(review({
    round: 2, reviewedRound: 1, waitingBecause: "Waits for you: auto_land is off.",
    files: [{ ...review().files[0], changedSinceReviewed: true, viewed: false }], viewedCount: 0, fileCount: 1,
    threads: [{
      threadId: "th-1", sessionId: "s-1", path: "a.txt", side: "head", line: 1, originalLine: 1, round: 1,
      outdated: false, resolved: false, author: "human", comments: [{ author: "human", body: "x", round: 1, at: 1 }],
    }],
  }));
  assert.equal(nodes[0].label, "say-hello: Say hello");
  assert.equal(nodes[0].description, "round 2 · +3 −1");
  assert.equal(nodes[1].label, "Waits for you: auto_land is off.");
  const files = nodes[nodes.length - 1];
  assert.equal(files.description, "0 of 1 file viewed");
  const [a] = files.children ?? [];
  assert.equal(a.checked, false);
  assert.equal(a.description, "changed since your review · 1 open thread");
  assert.deepEqual(a.command?.args, ["s-1", "a.txt"]);
  assert.ok(nodes.some((n) => n.label === "1 open thread"));
});
