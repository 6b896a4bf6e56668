// The sample repository the e2e test opens: one commit, Loopwright set up in it with
// auto-landing off (so the change waits for approval) and the reviewer agent on (on the
// fake model), task files whose text is a scripted change for the `script` worker
// backend (docs/script-format.md), and greeter.py for the review-threads scenario.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./processes.mjs";

export const TASK_FILE = "tasks/greeting.md";
export const TASK_TITLE = "Say hello";
export const CHANGED_FILE = "hello.txt";

/** The review-threads scenario: a `claude` worker on the fake model (e2e/fake_model.py). */
export const GREETER_FILE = "greeter.py";
export const THREADS_TITLE = "Tidy the greeter";
const GREETER_TEXT = `"""Greets people."""


def greet(name):
    """Say hello to name."""
    return "Hello, " + name


def shout(name):
    return greet(name).upper()
`;

export const QUESTION_FILE = "tasks/question.md";
export const QUESTION_TITLE = "Pick a greeting";

const QUESTION_TEXT = `# Pick a greeting

\`\`\`loopwright-script
{"ask": "Which greeting?", "options": ["hi", "hello"], "blocking": true}
{"write": "greeting.txt", "content": "hello\\n"}
{"append": "README.md", "content": "\\nIt greets you.\\n"}
{"finish": "wrote the greeting"}
\`\`\`
`;

const TASK_TEXT = `# Say hello

\`\`\`loopwright-script
{"progress": "writing the greeting"}
{"write": "${CHANGED_FILE}", "content": "hi\\n"}
{"finish": "added hello.txt"}
\`\`\`
`;

export function makeSampleRepo(dir, python) {
  mkdirSync(join(dir, "tasks"), { recursive: true });
  writeFileSync(join(dir, "README.md"), "# Sample\n\nA repository for the Loopwright VS Code test.\n");
  writeFileSync(join(dir, TASK_FILE), TASK_TEXT);
  writeFileSync(join(dir, QUESTION_FILE), QUESTION_TEXT);
  writeFileSync(join(dir, GREETER_FILE), GREETER_TEXT);
  const git = (...args) => run("git", ["-c", "user.name=Sample", "-c", "user.email=sample@example.invalid", ...args], { cwd: dir });
  git("init", "-q", "-b", "main");
  git("add", "README.md", TASK_FILE, QUESTION_FILE, GREETER_FILE);
  git("commit", "-q", "-m", "Start the sample");
  run(python, ["-m", "loopwright", "init"], { cwd: dir });
  const config = join(dir, ".loopwright", "config.toml");
  const text = readFileSync(config, "utf8");
  if (!/^auto_land = true$/m.test(text)) {
    throw new Error(`${config} has no 'auto_land = true' line to turn off`);
  }
  if (!/^reviewer = ""$/m.test(text)) {
    throw new Error(`${config} has no 'reviewer = ""' line to set`);
  }
  // The reviewer agent runs on the fake model (e2e/fake_model.py): it approves, and
  // comments on the first review of greeter.py, so that comment is a thread.
  writeFileSync(config, text.replace(/^auto_land = true$/m, "auto_land = false").replace(/^reviewer = ""$/m, 'reviewer = "claude"'));
}

/** The sample's history, newest first, one line per commit. */
export function gitLog(dir) {
  return run("git", ["log", "--oneline", "main"], { cwd: dir }).trim().split("\n");
}

export function fileAtMain(dir, path) {
  return run("git", ["show", `main:${path}`], { cwd: dir });
}
