import { test } from "node:test";
import assert from "node:assert/strict";
import { cost, duration, statusText, stateIcon } from "../src/model/format";

test("the status bar says how many run and how many need you", () => {
  assert.equal(statusText(2, 1), "$(sync~spin) 2 running · 1 need you");
  assert.equal(statusText(0, 0), "$(sync) 0 running · 0 need you");
});

test("durations read like the CLI's", () => {
  assert.equal(duration(0), "0s");
  assert.equal(duration(59.9), "59s");
  assert.equal(duration(65), "1m05s");
  assert.equal(duration(7260), "2h01m");
  assert.equal(duration(-3), "0s");
});

test("cost shows only when there is one", () => {
  assert.equal(cost(undefined), "");
  assert.equal(cost(null), "");
  assert.equal(cost(0), "");
  assert.equal(cost(1.234), "$1.23");
  assert.equal(cost(0.0042), "$0.0042");
});

test("every session state has an icon", () => {
  for (const s of ["queued", "running", "waiting", "checking", "reviewing", "awaiting_approval", "landing", "landed", "failed", "rejected", "killed"]) {
    assert.notEqual(stateIcon(s).id, "circle-outline", s);
  }
});
