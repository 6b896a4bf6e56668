// The Review view: the header of the change under review, as tree nodes. One line on
// why it waits for a human, the reviewer's verdict, the checks, "Changes since my last
// review" from the second round on, and the files with their viewed marks
// ("3 of 7 files viewed"). Pure: built from the server's review.

import type { Node } from "./tree";
import type { Review, ReviewFile } from "../protocol";
import { openCount, threadModels, threadsByPath } from "./threads";

/** `3 of 7 files viewed`. */
export function viewedSummary(review: Pick<Review, "files" | "viewedCount" | "fileCount">): string {
  const total = review.fileCount;
  const viewed = review.viewedCount;
  return `${viewed} of ${total} file${total === 1 ? "" : "s"} viewed`;
}

/** The one line on why the change waits for a human. */
export function waitingLine(review: Pick<Review, "waitingBecause" | "gateReasons">): string {
  if (review.waitingBecause !== "") {
    return review.waitingBecause;
  }
  return review.gateReasons.length > 0 ? `Waits for you: ${review.gateReasons.join("; ")}` : "";
}

/** Whether "Changes since my last review" has something to show. */
export function hasInterdiff(review: Pick<Review, "round" | "reviewedRound">): boolean {
  return review.reviewedRound > 0 && review.round > review.reviewedRound;
}

export function reviewNodes(review: Review): Node[] {
  const sid = review.sessionId;
  const nodes: Node[] = [];
  const round = review.round;
  nodes.push({
    id: `review:${sid}:header`,
    label: `${review.name}: ${review.title}`,
    description: `round ${round} · +${review.added} −${review.removed}`,
    tooltip: `${review.name} (${review.state.replace(/_/g, " ")}), ${review.baseCommit.slice(0, 8)}..${review.headCommit.slice(0, 8)}`,
    icon: { id: "git-pull-request" },
    contextValue: review.state === "awaiting_approval" ? "reviewHeader awaitingApproval" : "reviewHeader",
    sessionId: sid,
  });
  const waiting = waitingLine(review);
  if (waiting !== "") {
    nodes.push({
      id: `review:${sid}:waiting`,
      label: waiting,
      tooltip: waiting,
      icon: { id: "info", color: "charts.yellow" },
      sessionId: sid,
    });
  }
  if (review.reviewer !== null) {
    const r = review.reviewer;
    nodes.push({
      id: `review:${sid}:reviewer`,
      label: `Reviewer ${r.name}: ${r.verdict}`,
      description: r.summary,
      tooltip: r.summary,
      icon: { id: r.verdict === "approve" ? "pass" : "comment-discussion" },
      sessionId: sid,
    });
  }
  if (review.checks !== null && review.checks.command !== "") {
    const c = review.checks;
    nodes.push({
      id: `review:${sid}:checks`,
      label: c.passed ? "Checks passed" : c.timedOut ? "Checks timed out" : `Checks failed (exit ${c.exitCode})`,
      description: c.command,
      tooltip: c.outputTail,
      icon: c.passed ? { id: "pass", color: "testing.iconPassed" } : { id: "error", color: "testing.iconFailed" },
      sessionId: sid,
    });
  }
  const threads = threadModels(review.threads, review.reviewer?.name ?? "");
  if (threads.length > 0) {
    const open = openCount(threads);
    nodes.push({
      id: `review:${sid}:threads`,
      label: `${open} open thread${open === 1 ? "" : "s"}`,
      description: `${threads.length - open} resolved`,
      icon: { id: "comment-discussion" },
      sessionId: sid,
    });
  }
  if (hasInterdiff(review)) {
    nodes.push({
      id: `review:${sid}:interdiff`,
      label: "Changes since my last review",
      description: `round ${review.reviewedRound} → ${round}`,
      tooltip: "Only what changed since you last sent it back",
      icon: { id: "diff" },
      sessionId: sid,
      command: { command: "loopwright.openInterdiff", title: "Changes since my last review", args: [sid] },
    });
  }
  const byPath = threadsByPath(threads);
  nodes.push({
    id: `review:${sid}:files`,
    label: "Files",
    description: viewedSummary(review),
    icon: { id: "files" },
    sessionId: sid,
    children: review.files.map((f) => fileNode(sid, f, byPath.get(f.path)?.filter((t) => !t.resolved).length ?? 0)),
  });
  return nodes;
}

function fileNode(sid: string, f: ReviewFile, openThreads: number): Node {
  const parts = [
    f.changedSinceReviewed ? "changed since your review" : "",
    openThreads > 0 ? `${openThreads} open thread${openThreads === 1 ? "" : "s"}` : "",
  ].filter((p) => p !== "");
  return {
    id: `review:${sid}:file:${f.path}`,
    label: f.path,
    description: parts.join(" · "),
    tooltip: `${f.path}${f.viewed ? " (viewed)" : ""}`,
    icon: { id: f.viewed ? "eye" : "file" },
    contextValue: `reviewFile ${f.viewed ? "viewed" : "unviewed"}`,
    sessionId: sid,
    path: f.path,
    checked: f.viewed,
    command: { command: "loopwright.openReviewFile", title: "Open the file's diff", args: [sid, f.path] },
  };
}
