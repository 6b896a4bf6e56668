// End to end in a real VS Code (code-server 4.100 = VS Code 1.100, in headless Chromium):
// install the built .vsix, open a sample repository, dispatch a scripted task from the
// command palette, see its session, open its diff, accept a hunk by its code lens,
// approve and land, and check the commit on main; then a decision, request changes,
// reject, review threads over two rounds (a `claude` worker and reviewer on the fake
// model, e2e/fake_model.py), a server crash, and the dashboard webview. Screenshots go
// to docs/screenshots/. E2E_ONLY=threads runs the threads scenario alone (while
// developing it).
//
//   CODE_SERVER=…/code-server LOOPWRIGHT_PYTHON=…/.venv/bin/python VSIX=…/loopwright.vsix node e2e/run.mjs
//
// Everything it starts runs in process groups it kills on the way out, pass or fail, and
// the whole run has a time limit (E2E_TIMEOUT_SECONDS, default 300).

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { run, start, stopAll } from "./processes.mjs";
import {
  CHANGED_FILE, QUESTION_FILE, QUESTION_TITLE, TASK_FILE, TASK_TITLE, fileAtMain, gitLog, makeSampleRepo,
} from "./sample.mjs";
import { Workbench } from "./workbench.mjs";
import { reviewThreads, viewedSurvivesAndLand } from "./threads.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const extDir = resolve(here, "..");
const repoRoot = resolve(extDir, "..");
const shots = resolve(process.env.SCREENSHOTS ?? join(repoRoot, "docs", "screenshots"));
const codeServer = process.env.CODE_SERVER ?? join(homedir(), ".cache", "loopwright-code-server", "code-server");
const python = resolve(process.env.LOOPWRIGHT_PYTHON ?? join(repoRoot, ".venv", "bin", "python"));
const vsix = resolve(process.env.VSIX ?? join(extDir, "loopwright.vsix"));
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const timeoutSeconds = Number(process.env.E2E_TIMEOUT_SECONDS ?? 600);
const only = process.env.E2E_ONLY ?? "";
const keep = process.env.E2E_KEEP === "1";

const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const say = (msg) => console.log(`[e2e ${elapsed()}] ${msg}`);

let browser;
let tmp;

async function main() {
  for (const [what, path] of [["code-server", codeServer], ["python", python], ["vsix", vsix], ["chromium", chromiumPath]]) {
    if (!existsSync(path)) {
      throw new Error(`${what} not found at ${path}`);
    }
  }
  tmp = mkdtempSync(join(tmpdir(), "loopwright-e2e-"));
  const userData = join(tmp, "user-data");
  const extensions = join(tmp, "extensions");
  const repo = join(tmp, "sample");
  mkdirSync(join(userData, "User"), { recursive: true });
  mkdirSync(repo);
  mkdirSync(shots, { recursive: true });
  say(`working in ${tmp}`);

  makeSampleRepo(repo, python);
  say("sample repository ready (auto_land = false)");

  writeFileSync(join(userData, "User", "settings.json"), JSON.stringify({
    "security.workspace.trust.enabled": false,
    "loopwright.python": python,
    "loopwright.trace.server": "messages",
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.welcomePage.walkthroughs.openOnInstall": false,
    "extensions.ignoreRecommendations": true,
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "update.mode": "none",
    "telemetry.telemetryLevel": "off",
    "chat.commandCenter.enabled": false,
    "window.commandCenter": false,
    "git.enabled": false,
    "editor.minimap.enabled": false,
    "workbench.colorTheme": "Default Light Modern",
    "workbench.view.alwaysShowHeaderActions": true,
    "comments.openView": "never",
    "remote.autoForwardPorts": false,
  }, null, 2));

  // The model the `claude` worker and the reviewer agent talk to: local, scripted.
  const modelPort = await freePort();
  const modelLog = join(tmp, "fake-model.log");
  start(python, [join(here, "fake_model.py"), String(modelPort)], { cwd: tmp, env: process.env, logFile: modelLog });
  await waitFor(() => existsSync(modelLog) && readFileSync(modelLog, "utf8").includes(`127.0.0.1:${modelPort}`), 30_000, "the fake model to listen");
  const modelEnv = { ANTHROPIC_BASE_URL: `http://127.0.0.1:${modelPort}`, ANTHROPIC_API_KEY: "e2e-fake-key" };
  say(`fake model listening on ${modelPort}`);

  const csArgs = ["--user-data-dir", userData, "--extensions-dir", extensions];
  run(codeServer, [...csArgs, "--install-extension", vsix], { env: { ...process.env, HOME: tmp } });
  say("extension installed");

  const port = await freePort();
  const configFile = join(tmp, "code-server.yaml");
  writeFileSync(configFile, "");
  const server = start(codeServer, [
    ...csArgs, "--config", configFile, "--auth", "none", "--bind-addr", `127.0.0.1:${port}`,
    "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
    "--disable-getting-started-override", repo,
  ], { cwd: repo, env: { ...process.env, ...modelEnv, HOME: tmp }, logFile: join(tmp, "code-server.log") });
  server.on("exit", (code, signal) => say(`code-server exited (${code ?? signal})`));
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
  say(`code-server listening on ${port}`);

  // A fresh profile (--user-data-dir) each run: playwright passes it for a persistent context.
  browser = await chromium.launchPersistentContext(join(tmp, "chromium"), {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 860 },
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.on("pageerror", (e) => say(`page error: ${e.message}`));
  const wb = new Workbench(page, shots, say);
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(repo)}`);
  await wb.ready();
  say("workbench loaded");

  await wb.openLoopwright();
  await wb.waitForStatus(/0 running · 0 need you/, 60_000);
  await wb.waitForStatus(/^(?![\s\S]*Activating Extensions)/, 30_000);
  await page.waitForTimeout(500);
  await wb.shot("01-loopwright-view", "The Loopwright views and the status bar after start");
  const ctx = { python, repo, run, say, waitFor, fileAtMain };
  if (only === "threads") {
    await reviewThreads(wb, ctx);
    await crashAndRestart(wb, page, server.pid, /tidy-the-greeter awaiting approval/);
    await viewedSurvivesAndLand(wb, ctx);
    return;
  }

  await tellTheManager(wb);

  // Dispatch from the command palette with the task file's text as the body.
  await wb.openFile(TASK_FILE);
  await wb.selectAll();
  await wb.runCommand("Loopwright: Dispatch Task…");
  await wb.typeInput(TASK_TITLE, { name: "02-dispatch-title", caption: "Dispatch Task asks for a title" });
  await wb.typeInput("");
  await wb.pickQuickItem("Use as the task body", "03-dispatch-selection");
  say("task dispatched");

  const row = await wb.waitForTreeItem("Sessions", /awaiting approval/, 90_000);
  await wb.waitForStatus(/need you/, 10_000);
  await wb.waitForNotification(/is ready for review/, 10_000);
  await page.waitForTimeout(500); // let the toast finish sliding in
  await wb.shot("04-session-awaiting-approval", "The session waits for approval; the Inbox has it");
  say(`session row: ${await row.getAttribute("aria-label")}`);

  await row.click();
  const judge = await wb.waitForCodeLens("Accept · Reject · Comment", 30_000);
  await wb.page.waitForTimeout(300);
  await wb.shot("05-diff-with-code-lenses", "The diff, base ↔ head: one short lens per hunk, Approve & Land in the title bar");

  await judge.click();
  await wb.pickQuickItem("Accept", "06a-judge-hunk");
  await wb.waitForCodeLens("Accepted ✓", 15_000);
  await wb.shot("06-hunk-accepted", "The hunk's lens reads Accepted after the pick");

  await wb.clickEditorAction("Approve & Land");
  await waitFor(() => gitLog(repo).length > 1, 60_000, "a new commit on main");
  const content = fileAtMain(repo, CHANGED_FILE);
  if (content !== "hi\n") {
    throw new Error(`${CHANGED_FILE} on main is ${JSON.stringify(content)}, not "hi\\n"`);
  }
  say(`landed: ${gitLog(repo)[0]}`);
  await wb.waitForTreeItem("Sessions", /landed/, 30_000);
  await wb.shot("07-landed", "The session landed; nothing needs you");
  say(`git log of the sample:\n  ${gitLog(repo).join("\n  ")}`);

  await decideRequestChangesAndReject(wb);
  await reviewThreads(wb, ctx);
  await crashAndRestart(wb, page, server.pid, /say-hello landed/);
  await viewedSurvivesAndLand(wb, ctx);
  await showDashboard(wb, repo);
}

/** The Manager view: its status line, and a message told from its box into the thread. */
async function tellTheManager(wb) {
  const view = await wb.webviewFrameWith("textarea#text", 30_000);
  await waitFor(async () => /manager is off/.test(await view.locator("#status").innerText().catch(() => "")), 15_000, "the Manager view's status");
  await view.locator("textarea#text").fill("Prioritise the greeting tasks; never touch README.md without asking me");
  await view.locator("#send").click();
  await waitFor(async () => /You[\s\S]*Prioritise the greeting tasks/.test(await view.locator("#entries").innerText().catch(() => "")), 15_000, "the told message in the Manager view");
  await waitFor(async () => (await view.locator("textarea#text").inputValue()) === "", 5_000, "the box to be emptied");
  await wb.shot("20-manager-view", "The Manager view: the manager's thread and a box to tell it something (the manager is off here)");
}

/** The dashboard webview: the report of what ran, kept up to date while it is open. */
async function showDashboard(wb, repo) {
  await wb.clearNotifications();
  await wb.runCommand("Loopwright: Show Dashboard");
  await wb.waitForTab("Loopwright Dashboard", 10_000);
  await wb.waitForWebviewText(/say-hello[\s\S]*pick-a-greeting|pick-a-greeting[\s\S]*say-hello/, 30_000);
  say("the dashboard shows the sessions that ran");

  // A task filed elsewhere (the CLI) shows up without running the command again.
  const body = '```loopwright-script\n{"write": "farewell.txt", "content": "bye\\n"}\n{"finish": "said bye"}\n```\n';
  run(python, ["-m", "loopwright", "dispatch", "Say goodbye", "--body", body], { cwd: repo });
  await wb.waitForTreeItem("Sessions", /say-goodbye awaiting approval/, 60_000);
  await wb.waitForWebviewText(/say-goodbye/, 15_000);
  await wb.clearNotifications();
  await wb.page.mouse.move(900, 500);
  await wb.page.waitForTimeout(1500); // the last refresh (at most one a second) settles
  await wb.shot("13-dashboard", "Loopwright: Show Dashboard — the report as a webview, kept up to date");
}

/** A worker asks and waits; answer from the palette, send the change back, then reject it. */
async function decideRequestChangesAndReject(wb) {
  await wb.clearNotifications();
  await wb.openFile(QUESTION_FILE);
  await wb.selectAll();
  await wb.runCommand("Loopwright: Dispatch Task…");
  await wb.typeInput(QUESTION_TITLE);
  await wb.typeInput("");
  await wb.pickQuickItem("Use as the task body");
  await wb.waitForTreeItem("Inbox", /Which greeting\?/, 60_000);
  await wb.waitForNotification(/asks: Which greeting/, 10_000);
  await wb.waitForTreeItem("Sessions", /pick-a-greeting waiting/, 10_000);
  await wb.page.waitForTimeout(500);
  await wb.shot("08-decision", "The worker waits on a decision: the Inbox and a notification show it");
  await wb.clearNotifications();

  await wb.runCommand("Loopwright: Answer Decision");
  await wb.pickQuickItem("Which greeting?");
  await wb.pickQuickItem("hello", "09-answer-decision");
  say("decision answered from the palette");

  await wb.openSession("Sessions", /pick-a-greeting awaiting approval/, "pick-a-greeting");
  await (await wb.waitForCodeLens("Accept · Reject · Comment", 30_000)).click();
  await wb.pickQuickItem("Comment…");
  await wb.typeInput("Why not hi?");
  await wb.waitForCodeLens("Commented", 15_000);
  await wb.waitForTreeItem("Activity", /hunk \w+ commented/, 10_000);
  // Two files: the multi-file diff editor, whose title bar has the actions too.
  await wb.shot("10a-multi-diff-actions", "Two files in the multi-file diff editor: Approve & Land, Request Changes and Reject in its title bar");
  await wb.clickEditorAction("Request Changes");
  await wb.typeInput("Say it louder", { name: "10-request-changes-note", caption: "Request changes asks for the note to the worker" });
  await wb.waitForTreeItem("Activity", /changes requested by human: Say it louder/, 15_000);
  say("changes requested; waiting for the worker's next attempt");

  await wb.waitForTreeItem("Review", /pick-a-greeting: .* round 2/, 60_000);
  await wb.openSession("Sessions", /pick-a-greeting awaiting approval/, "pick-a-greeting");
  await wb.waitForCodeLens("Accept · Reject · Comment", 30_000);
  await wb.clickViewAction("Review", "Reject"); // the Review view's title bar has them as well
  await wb.typeInput("Not needed after all");
  await wb.waitForTreeItem("Sessions", /pick-a-greeting rejected/, 30_000);
  await wb.waitForTreeItem("Activity", /rejected by human: Not needed after all/, 10_000);
  await wb.clearNotifications();
  await wb.shot("11-rejected", "Rejected with a reason; the Inbox is empty again");
}

/** Kill `loopwright serve` (by its pid, found in code-server's process group). */
async function crashAndRestart(wb, page, group, sessionAfter) {
  const ps = run("ps", ["-eo", "pid=,pgid=,args="]);
  const serve = ps.split("\n").map((l) => l.trim().split(/\s+/)).find(
    ([, pgid, ...args]) => Number(pgid) === group && args.join(" ").includes("loopwright serve"));
  if (!serve) {
    throw new Error(`no 'loopwright serve' in process group ${group}:\n${ps}`);
  }
  process.kill(Number(serve[0]), "SIGKILL");
  say(`killed loopwright serve (pid ${serve[0]})`);
  await wb.waitForNotification(/stopped unexpectedly and was restarted/, 30_000);
  await waitFor(() => extensionLog().split("Server is running").length - 1 >= 2, 30_000, "the server to run again");
  await waitFor(() => /Received response 'loopwright\/state[\s\S]*Server is running[\s\S]*Received response 'loopwright\/state/.test(extensionLog()),
    30_000, "the state to be read again after the restart");
  await wb.waitForStatus(/\d+ running · \d+ need you/, 30_000);
  await wb.waitForTreeItem("Sessions", sessionAfter, 10_000);
  await page.waitForTimeout(300);
  await wb.shot("12-server-restarted", "After a crash the server is restarted and the user told once");
}

async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitForHttp(url, timeoutMs) {
  await waitFor(async () => {
    try {
      return (await fetch(url)).ok;
    } catch {
      return false;
    }
  }, timeoutMs, url);
}

async function waitFor(check, timeoutMs, what) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) {
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

/** The extension's "Loopwright" log channel, as code-server wrote it so far. */
function extensionLog() {
  const files = run("find", [join(tmp, "user-data", "logs"), "-name", "*Loopwright*.log"]).trim().split("\n").filter(Boolean);
  return files.map((f) => readFileSync(f, "utf8")).join("\n");
}

/** The tail of the extension's "Loopwright" log channel, for a failure's report. */
function printExtensionLog() {
  if (!tmp) {
    return;
  }
  try {
    const logs = run("find", [join(tmp, "user-data", "logs"), "-name", "*Loopwright*.log"]).trim().split("\n").filter(Boolean);
    for (const f of logs) {
      const lines = readFileSync(f, "utf8").trimEnd().split("\n");
      console.error(`--- ${f} (last 60 lines)\n${lines.slice(-60).join("\n")}`);
    }
  } catch (e) {
    console.error(`(no extension log: ${e.message})`);
  }
}

async function cleanup() {
  await browser?.close().catch(() => undefined);
  await stopAll();
  if (tmp && !keep) {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const deadline = setTimeout(async () => {
  console.error(`[e2e ${elapsed()}] FAILED: over the time limit of ${timeoutSeconds}s`);
  await cleanup();
  process.exit(1);
}, timeoutSeconds * 1000);

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    await cleanup();
    process.exit(130);
  });
}

try {
  await main();
  clearTimeout(deadline);
  await cleanup();
  console.log(`[e2e ${elapsed()}] 1 passed, 0 failed`);
} catch (e) {
  clearTimeout(deadline);
  console.error(`[e2e ${elapsed()}] FAILED: ${e.stack ?? e}`);
  if (tmp) {
    console.error(`code-server log: ${join(tmp, "code-server.log")}${keep ? "" : " (set E2E_KEEP=1 to keep it)"}`);
  }
  const failure = join(tmpdir(), "loopwright-e2e-failure.png");
  await browser?.pages()[0]?.screenshot({ path: failure }).then(() => console.error(`screenshot at failure: ${failure}`)).catch(() => undefined);
  printExtensionLog();
  await cleanup();
  console.log(`[e2e ${elapsed()}] 0 passed, 1 failed`);
  process.exit(1);
}
