import { test } from "node:test";
import assert from "node:assert/strict";
import { RestartPolicy } from "../src/model/restartPolicy";

test("a crash restarts the server and tells the user once, not every time", () => {
  const p = new RestartPolicy(5, 180_000);
  const first = p.onCrash(0);
  assert.equal(first.restart, true);
  assert.equal(first.notify, true);
  const second = p.onCrash(1000);
  assert.equal(second.restart, true);
  assert.equal(second.notify, false);
});

test("a crash loop stops restarting and says so", () => {
  const p = new RestartPolicy(3, 60_000);
  for (let i = 0; i < 3; i++) {
    assert.equal(p.onCrash(i).restart, true);
  }
  const gaveUp = p.onCrash(4);
  assert.equal(gaveUp.restart, false);
  assert.equal(gaveUp.notify, true);
  assert.match(gaveUp.message, /will not be restarted/);
});

test("crashes far apart never add up to a loop", () => {
  const p = new RestartPolicy(2, 60_000);
  for (let i = 0; i < 10; i++) {
    assert.equal(p.onCrash(i * 61_000).restart, true);
  }
});

test("a restart the user asks for starts the count afresh", () => {
  const p = new RestartPolicy(1, 60_000);
  p.onCrash(0);
  assert.equal(p.onCrash(1).restart, false);
  p.reset();
  const again = p.onCrash(2);
  assert.equal(again.restart, true);
  assert.equal(again.notify, true);
});
