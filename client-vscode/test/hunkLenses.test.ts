import { test } from "node:test";
import assert from "node:assert/strict";
import { hunkLensModels, judgeCommand } from "../src/model/hunkLenses";
import type { HunkLensesResult } from "../src/protocol";

const TITLES = { "": "Accept · Reject · Comment", accept: "Accepted ✓", reject: "Rejected ✗", comment: "Commented 💬" };

function result(over: Partial<HunkLensesResult>): HunkLensesResult {
  return { sessionId: "s-1", path: "a.txt", lines: [], hunks: [], judged: {}, titles: TITLES, ...over };
}

test("one lens per hunk, on its line, titled with its verdict", () => {
  const lenses = hunkLensModels(result({ lines: [6, 21, 40], hunks: ["h1", "h2", "h3"], judged: { h2: "reject" } }));
  assert.deepEqual(lenses.map((l) => [l.line, l.hunk, l.title]), [
    [6, "h1", "Accept · Reject · Comment"],
    [21, "h2", "Rejected ✗"],
    [40, "h3", "Accept · Reject · Comment"],
  ]);
});

test("a lens runs judgeHunk with its session, hunk and verdict so far", () => {
  const [first, second] = hunkLensModels(result({ lines: [0, 9], hunks: ["h1", "h2"], judged: { h1: "accept" } }));
  assert.deepEqual(judgeCommand(first), {
    title: "Accepted ✓", command: "loopwright.judgeHunk", arguments: [{ session: "s-1", hunk: "h1", verdict: "accept" }],
  });
  assert.deepEqual(judgeCommand(second).arguments, [{ session: "s-1", hunk: "h2", verdict: null }]);
});

test("no hunks, no lenses; a verdict without a title keeps the open title", () => {
  assert.deepEqual(hunkLensModels(result({})), []);
  const [lens] = hunkLensModels(result({ lines: [3], hunks: ["h1"], judged: { h1: "later" }, titles: { "": "Judge" } }));
  assert.equal(lens.title, "Judge");
});
