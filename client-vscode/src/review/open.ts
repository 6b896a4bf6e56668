// Opening a session's change: read the review (into the cache the threads and the Review
// view share), show its header in the Review view, then its diffs (base ↔ head): one file
// in a diff editor, several in the multi-file diff editor (`vscode.changes`). Approve &
// land, Request changes and Reject are in the title bar of either (multiDiff.ts for the
// multi-file one) and the Review view's; each hunk has one short lens (Accept · Reject · Comment).

import { Uri } from "vscode";
import type { Review } from "../protocol";
import { diffTitle } from "../model/reviewUri";
import { changesTitle } from "../model/multiDiff";
import { traceInfo, traceWarn, errorText } from "../common/log";
import { executeCommand, showInformationMessage } from "../common/vscodeapi";

/** Where a review is read and whose header shows it. */
export interface ReviewOpener {
  load(session: string): Promise<Review>;
  show(session: string): void;
}

export async function openReview(reviews: ReviewOpener, session: string): Promise<Review | undefined> {
  const review = await reviews.load(session);
  reviews.show(review.sessionId);
  if (review.files.length === 0) {
    void showInformationMessage(`Loopwright: ${review.name} changed no files.`);
    return review;
  }
  traceInfo(`Opening the review of ${review.name}: ${review.files.length} file(s)`);
  if (review.files.length > 1) {
    try {
      await executeCommand(
        "vscode.changes",
        changesTitle(review.name, review.title),
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
