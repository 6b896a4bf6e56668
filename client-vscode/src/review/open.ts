// Opening a session's change: ask the server for the review, then show each changed file
// as a diff of its review documents (base ↔ head). The server's code lenses sit on the
// head side: Accept · Reject · Comment per hunk, Approve & land · Request changes · Reject
// on the first line.

import { Uri } from "vscode";
import { Methods, type Review } from "../protocol";
import { diffTitle } from "../model/reviewUri";
import type { LoopwrightServer } from "../common/server";
import { traceInfo } from "../common/log";
import { executeCommand, showInformationMessage } from "../common/vscodeapi";

export async function openReview(server: LoopwrightServer, session: string): Promise<Review | undefined> {
  const review = await server.request<Review>(Methods.review, { session });
  if (review.files.length === 0) {
    void showInformationMessage(`Loopwright: ${review.name} changed no files.`);
    return review;
  }
  traceInfo(`Opening the review of ${review.name}: ${review.files.length} file(s)`);
  // Open the last file first so the first one ends up in front.
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
