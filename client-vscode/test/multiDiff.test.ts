import { test } from "node:test";
import assert from "node:assert/strict";
import { changesTitle, interdiffTitle, modifiedUrisOf, sessionOfChanges } from "../src/model/multiDiff";

const sessions = [
  { sessionId: "s-1", name: "pick-a-greeting", title: "Pick a greeting" },
  { sessionId: "s-2", name: "edit-notes", title: "Edit the notes" },
];

test("a multi-file diff tab opened for a review names its session by its title", () => {
  assert.equal(sessionOfChanges(changesTitle("edit-notes", "Edit the notes"), undefined, sessions), "s-2");
  assert.equal(sessionOfChanges(interdiffTitle("pick-a-greeting", 1, 2), undefined, sessions), "s-1");
  assert.equal(sessionOfChanges("edit-notes: Edit the notes (2 files)", undefined, sessions), "s-2");
  assert.equal(sessionOfChanges("Working Tree (git)", undefined, sessions), undefined);
  assert.equal(sessionOfChanges("edit-notes: Something else", undefined, sessions), undefined);
});

test("its diffs' review documents name the session, whatever the title", () => {
  const modified = ["loopwright-review:/s-9/head/a.txt", "loopwright-review:/s-9/head/b%20c.txt"];
  assert.equal(sessionOfChanges("renamed", modified, sessions), "s-9");
  // Diffs of two sessions, or of plain files: not one review; the title decides.
  assert.equal(sessionOfChanges("x", ["loopwright-review:/s-9/head/a.txt", "loopwright-review:/s-8/head/a.txt"], sessions), undefined);
  assert.equal(sessionOfChanges(changesTitle("edit-notes", "Edit the notes"), ["file:///a.txt"], sessions), "s-2");
});

test("a tab input's modified URIs, when it carries diffs", () => {
  const input = { textDiffs: [{ original: "loopwright-review:/s-1/base/a", modified: { toString: () => "loopwright-review:/s-1/head/a" } }] };
  assert.deepEqual(modifiedUrisOf(input), ["loopwright-review:/s-1/head/a"]);
  assert.equal(modifiedUrisOf({ uri: "file:///a" }), undefined);
  assert.equal(modifiedUrisOf(undefined), undefined);
});
