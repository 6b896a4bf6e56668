import { test } from "node:test";
import assert from "node:assert/strict";
import { diffTitle, formatReviewUri, parseReviewUri, reviewChanged } from "../src/model/reviewUri";

test("a review URI names the session, the side and the path", () => {
  assert.deepEqual(parseReviewUri("loopwright-review:/s-1a2b/head/src/app.py"), {
    sessionId: "s-1a2b",
    side: "head",
    path: "src/app.py",
  });
});

test("escaped characters in the path are decoded", () => {
  assert.deepEqual(parseReviewUri("loopwright-review:/s-1/base/docs/read%20me.md"), {
    sessionId: "s-1",
    side: "base",
    path: "docs/read me.md",
  });
});

test("formatting and parsing round-trip, as the server formats them", () => {
  const ref = { sessionId: "s-1", side: "head" as const, path: "a dir/b#c.txt" };
  const uri = formatReviewUri(ref);
  assert.equal(uri, "loopwright-review:/s-1/head/a%20dir/b%23c.txt");
  assert.deepEqual(parseReviewUri(uri), ref);
});

test("other schemes and malformed review URIs are not review documents", () => {
  assert.equal(parseReviewUri("file:///tmp/x.py"), undefined);
  assert.equal(parseReviewUri("loopwright-review:/s-1/middle/x.py"), undefined);
  assert.equal(parseReviewUri("loopwright-review:/s-1/head"), undefined);
  assert.equal(parseReviewUri("loopwright-review:/s-1/head/"), undefined);
});

test("a diff tab is titled with the file and the session", () => {
  assert.equal(diffTitle("calm-heron", "src/app.py"), "app.py (calm-heron: base ↔ head)");
});

test("open review documents are re-read when a new review is prepared", () => {
  const waiting = { state: "awaiting_approval", added: 1, removed: 0 };
  assert.equal(reviewChanged(undefined, waiting), false, "nothing to compare with yet");
  assert.equal(reviewChanged(waiting, waiting), false);
  assert.equal(reviewChanged({ ...waiting, state: "running" }, waiting), true, "back for review after request changes");
  assert.equal(reviewChanged(waiting, { ...waiting, added: 3 }), true);
  assert.equal(reviewChanged(waiting, { ...waiting, state: "landing" }), false);
});
