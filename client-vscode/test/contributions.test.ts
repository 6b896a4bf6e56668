// What package.json contributes, as VS Code reads it: the review's whole-change actions
// in the title bar of both diff editors (one file, and the multi-file one).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

interface MenuItem { command: string; when?: string; group?: string }
interface Manifest {
  contributes: { commands: { command: string; title: string; icon?: string }[]; menus: Record<string, MenuItem[]> };
}

// Tests run from out/test/; package.json is at the extension's root.
const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as Manifest;
const menus = manifest.contributes.menus;
const titleOf = (command: string): string | undefined => manifest.contributes.commands.find((c) => c.command === command)?.title;
const WHOLE = ["Approve & Land", "Request Changes", "Reject"];

test("a one-file review diff has the whole-change actions in its title bar", () => {
  const items = menus["editor/title"].filter((m) => m.when === "resourceScheme == loopwright-review" && m.group?.startsWith("navigation@"));
  assert.deepEqual(items.map((m) => titleOf(m.command)).filter((t) => WHOLE.includes(t ?? "")), WHOLE);
});

test("the multi-file diff editor of a review has them too, and only a review's", () => {
  const items = menus["editor/title"].filter((m) => m.when?.includes("activeEditor == multiDiffEditor"));
  assert.deepEqual(items.map((m) => [titleOf(m.command), m.group]), [
    ["Approve & Land", "navigation@1"], ["Request Changes", "navigation@2"], ["Reject", "navigation@3"],
  ]);
  for (const m of items) {
    assert.equal(m.when, "activeEditor == multiDiffEditor && loopwright.multiDiffReview");
    assert.ok(manifest.contributes.commands.find((c) => c.command === m.command)?.icon, `${m.command} has an icon`);
    // Title-bar only: from the palette the plain commands ask which session.
    assert.ok(menus.commandPalette.some((p) => p.command === m.command && p.when === "false"), `${m.command} hidden from the palette`);
  }
});

test("every command a menu names is declared", () => {
  const declared = new Set(manifest.contributes.commands.map((c) => c.command));
  for (const [menu, items] of Object.entries(menus)) {
    for (const m of items) {
      assert.ok(declared.has(m.command), `${menu}: ${m.command}`);
    }
  }
});
