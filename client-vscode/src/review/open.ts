// Opening a session's change: ask the server for the review, then show it as diffs of
// its review documents (base ↔ head): one file in a diff editor, several in the multi-file
// diff editor (`vscode.changes`). The server's code lenses sit on the head side:
// Accept · Reject · Comment per hunk, Approve & land · Request changes · Reject on the
// first line.

import { Uri } from "vscode";
import { Methods, type Review } from "../protocol";
import { diffTitle } from "../model/reviewUri";
import type { LoopwrightServer } from "../common/server";
import { traceInfo, traceWarn, errorText } from "../common/log";
import { executeCommand, showInformationMessage } from "../common/vscodeapi";

export async function openReview(server: LoopwrightServer, session: string): Promise<Review | undefined> {
  const review = await server.request<Review>(Methods.review, { session });
  if (review.files.length === 0) {
    void showInformationMessage(`Loopwright: ${review.name} changed no files.`);
    return review;
  }
  traceInfo(`Opening the review of ${review.name}: ${review.files.length} file(s)`);
  if (review.files.length > 1) {
    try {
      await executeCommand(
        "vscode.changes",
        `${review.name}: ${review.title}`,
        review.files.map((f) => [Uri.parse(f.headUri), Uri.parse(f.baseUri), Uri.parse(f.headUri)]),
      );
      return review;
    } catch (e) {
      traceWarn(`The multi-file diff editor did not open (${errorText(e)}); opening one diff per file`);
    }
  }
  // One diff per file; the last opened first so the first file ends up in front.
  const files = [...review.files].reverse();
  for (const [i, f] of files.entries()) {
    await executeCommand(
      "vscode.diff",
      Uri.parse(f.baseUri),
      Uri.parse(f.headUri),
      diffTitle(review.name, f.path),
      { preview: review.files.length === 1, preserveFocus: i < files.length - 1 },
    );
  }
  return review;
}
