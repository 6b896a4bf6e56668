// Child processes the e2e test owns: each runs in its own process group so that stopping
// it stops everything it started (code-server's extension host, `loopwright serve`).

import { spawn, spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";

const owned = new Set();

/** Start `command` in its own process group, its output appended to `logFile`. */
export function start(command, args, { cwd, env, logFile }) {
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  owned.add(child);
  child.on("exit", () => owned.delete(child));
  return child;
}

/** Stop one owned process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stop(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise((resolve) => child.once("exit", resolve));
  signalGroup(child, "SIGTERM");
  const timer = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  signalGroup(child, "SIGKILL"); // stragglers left in the group
}

export async function stopAll() {
  await Promise.all([...owned].map((c) => stop(c)));
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Run to completion; throws with the output when it fails. */
export function run(command, args, options = {}) {
  const r = spawnSync(command, args, { encoding: "utf8", timeout: 120_000, ...options });
  if (r.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}
