import { test } from "node:test";
import assert from "node:assert/strict";
import { decisionArg, lensArg, sessionArg } from "../src/model/args";

test("a command finds its session in a string, a tree node or a params object", () => {
  assert.equal(sessionArg("s-1"), "s-1");
  assert.equal(sessionArg({ id: "session:s-1", sessionId: "s-1", label: "x" }), "s-1");
  assert.equal(sessionArg({ session: "s-2" }), "s-2");
  assert.equal(sessionArg(undefined), undefined);
  assert.equal(sessionArg({ label: "group" }), undefined);
});

test("a command finds its decision the same way", () => {
  assert.equal(decisionArg("d-1"), "d-1");
  assert.equal(decisionArg({ decisionId: "d-2" }), "d-2");
  assert.equal(decisionArg({ decision: "d-3" }), "d-3");
});

test("a lens argument is copied, never shared", () => {
  const original = { session: "s-1", hunk: "h-1", verdict: "comment" };
  const copy = lensArg([original]);
  copy.comment = "why?";
  assert.equal("comment" in original, false);
  assert.deepEqual(lensArg([]), {});
});

test("a review document's URI names its session", () => {
  const uri = { scheme: "loopwright-review", toString: () => "loopwright-review:/s-7/head/a.txt" };
  assert.equal(sessionArg(uri), "s-7");
  assert.equal(sessionArg("loopwright-review:/s-8/base/a.txt"), "s-8");
});
