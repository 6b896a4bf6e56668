import { test } from "node:test";
import assert from "node:assert/strict";
import { describeCommand, expandVariables, parseCommandSetting, resolveServerCommand } from "../src/model/serverCommand";

test("serverCommand wins over everything", () => {
  const cmd = resolveServerCommand({ serverCommand: ["loopwright", "serve", "-v"], python: "/py", extensionPython: "/ext" });
  assert.equal(cmd.command, "loopwright");
  assert.deepEqual(cmd.args, ["serve", "-v"]);
  assert.equal(cmd.source, "loopwright.serverCommand");
});

test("a serverCommand string is split on whitespace", () => {
  assert.deepEqual(parseCommandSetting("  uv run loopwright serve "), ["uv", "run", "loopwright", "serve"]);
  assert.deepEqual(parseCommandSetting(""), []);
  assert.deepEqual(parseCommandSetting(42), []);
});

test("loopwright.python runs the module with that interpreter", () => {
  const cmd = resolveServerCommand({ serverCommand: [], python: "/repo/.venv/bin/python", extensionPython: "/ext" });
  assert.equal(describeCommand(cmd), "/repo/.venv/bin/python -m loopwright serve");
  assert.equal(cmd.source, "loopwright.python");
});

test("without settings the Python extension's interpreter is used, else python3", () => {
  assert.equal(resolveServerCommand({ serverCommand: [], python: "", extensionPython: "/ext/python" }).command, "/ext/python");
  const fallback = resolveServerCommand({ serverCommand: [], python: "" });
  assert.equal(fallback.command, "python3");
  assert.equal(fallback.source, "PATH");
});

test("${workspaceFolder} expands to the folder", () => {
  const cmd = expandVariables(resolveServerCommand({ serverCommand: [], python: "${workspaceFolder}/.venv/bin/python" }), "/repo");
  assert.equal(cmd.command, "/repo/.venv/bin/python");
});
