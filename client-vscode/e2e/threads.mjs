// Issue 14's review, end to end in the editor: the reviewer agent's comment is a thread;
// the human replies to it and starts a thread on an unchanged context line; Request
// changes (from the diff editor's title bar); next round, the worker's reply is in each
// thread, the thread whose line moved stays on its code, the one whose line changed is
// outdated; "Changes since my last review" shows only the second round's change; a file
// marked viewed. (That the mark survives a server restart is checked after the crash.)

import { GREETER_FILE, THREADS_TITLE } from "./sample.mjs";

const REVIEWER = /Why an f-string here\?/;

export async function reviewThreads(wb, { python, repo, run, say }) {
  await wb.clearNotifications();
  run(python, ["-m", "loopwright", "dispatch", THREADS_TITLE, "--body", "Use an f-string in greet().", "--backend", "claude"], { cwd: repo });
  let row = await wb.openSession("Sessions", /tidy-the-greeter awaiting approval/, "tidy-the-greeter", 120_000);
  await wb.waitForCodeLens("Accept · Reject · Comment", 30_000);
  const first = await wb.waitForThread((t) => t.comments.some((c) => REVIEWER.test(c.body)), "the reviewer's comment", 30_000);
  expect(/^Reviewer/.test(first.title), `the reviewer's thread is titled by the reviewer: ${JSON.stringify(first)}`);
  await wb.waitForViewDescription("Review", /0 of 1 file viewed/, 15_000);
  await wb.waitForTreeItem("Review", /Waits for you:/, 5_000);
  await wb.clearNotifications();
  await wb.shot("14-reviewer-thread", "The reviewer's comment is a thread on its line; the Review view says why it waits");

  await wb.submitInThread(wb.threadWidget(REVIEWER), "f-strings read better", "Reply");
  await wb.waitForThread((t) => t.comments.some((c) => c.body === "f-strings read better" && c.author === "you"), "replied to", 15_000);
  say("replied to the reviewer's thread");

  // A new thread on line 9 (`def shout(name):`), a context line the change did not touch.
  await wb.modifiedEditor().locator(".view-lines").first().click({ position: { x: 60, y: 6 } });
  await wb.goToLine(9);
  await wb.runCommand("Comments: Add Comment on Current Selection");
  const draft = wb.page.locator(".review-widget", { has: wb.page.locator(".monaco-button", { hasText: "Start Thread" }) }).first();
  await draft.waitFor({ timeout: 10_000 });
  await wb.submitInThread(draft, "Keep shout() as it is", "Start Thread");
  await wb.waitForThread((t) => t.comments.some((c) => c.body === "Keep shout() as it is"), "started on line 9", 15_000);
  expect(await wb.lineAboveThread(/Keep shout/, "def shout(name):") === "def shout(name):", "the new thread sits on def shout(name):");
  await wb.shot("15-reply-and-new-thread", "A reply in the reviewer's thread, and a new thread on an unchanged line");

  await wb.clickEditorAction("Request Changes");
  await wb.typeInput("Please answer the threads", { name: "16-request-changes", caption: "Request changes from the diff editor's title bar: the open threads go with the note" });
  say("changes requested with two open threads; waiting for the second round");
  await wb.waitForTreeItem("Review", /round 2/, 120_000);
  await wb.clearNotifications();
  row = await wb.openSession("Sessions", /tidy-the-greeter awaiting approval/, "tidy-the-greeter", 30_000);
  const answered = await wb.waitForThread((t) => REVIEWER.test(t.comments[0]?.body ?? "") && t.comments.some((c) => c.author.startsWith("worker")),
    "the reviewer's, answered by the worker", 30_000);
  expect(/Outdated/.test(answered.title), `the reviewer's thread, whose line changed, is outdated: ${JSON.stringify(answered)}`);
  const kept = await wb.waitForThread((t) => t.comments[0]?.body === "Keep shout() as it is" && t.comments.some((c) => c.author.startsWith("worker")),
    "the human's, answered by the worker", 15_000);
  expect(!/Outdated/.test(kept.title), `the moved thread is not outdated: ${JSON.stringify(kept)}`);
  const above = await wb.lineAboveThread(/Keep shout/, "def shout(name):");
  expect(above === "def shout(name):", `the moved thread stays on def shout(name): (it sits under ${JSON.stringify(above)})`);
  await wb.shot("17-worker-replies", "Next round: the worker's reply in each thread; the edited line's thread is outdated, the moved one stays on its code");

  await (await wb.waitForTreeItem("Review", /Changes since my last review/, 10_000)).click();
  await wb.waitForTab(`${GREETER_FILE.split("/").pop()} (tidy-the-greeter: since my last review)`, 15_000);
  await wb.page.waitForTimeout(800);
  const before = await wb.diffSideText("original");
  const after = await wb.diffSideText("modified");
  expect(before.includes('f"Hello, {name}"') && !before.includes('"Hello, " + name'), `the interdiff starts from what was reviewed: ${JSON.stringify(before)}`);
  expect(after.includes('f"Hello, {name}!"') && after.includes("# Greetings, kindly."), `the interdiff ends at the second round: ${JSON.stringify(after)}`);
  await wb.shot("18-interdiff", "Changes since my last review: only the second round's change");

  await row.click();
  await wb.waitForCodeLens("Accept · Reject · Comment", 30_000);
  await wb.clickEditorAction("Mark File as Viewed");
  await wb.waitForViewDescription("Review", /1 of 1 file viewed/, 15_000);
  await wb.shot("19-viewed", "The file marked viewed from the diff editor's title bar: 1 of 1 file viewed");
}

/** After the server restarted: the viewed mark is still there; then approve and land. */
export async function viewedSurvivesAndLand(wb, { repo, waitFor, fileAtMain }) {
  await wb.waitForViewDescription("Review", /1 of 1 file viewed/, 30_000);
  await wb.clickViewAction("Review", "Approve & Land");
  await waitFor(() => {
    try {
      return fileAtMain(repo, GREETER_FILE).includes('f"Hello, {name}!"');
    } catch {
      return false;
    }
  }, 60_000, "the greeter's change on main");
  await wb.waitForTreeItem("Sessions", /tidy-the-greeter landed/, 30_000);
}

function expect(ok, what) {
  if (!ok) {
    throw new Error(`expected: ${what}`);
  }
}
