// The review protocol of issue 14 (threads, rounds, viewed marks, interdiff) as the
// extension uses it. TEMPORARY: these mirror the server's wire types until protocol.ts
// is regenerated with them; then this file only re-exports protocol.ts.

import type { Review, ReviewFile } from "../protocol";

export const ReviewMethods = {
  threads: "loopwright/threads",
  openThread: "loopwright/openThread",
  replyThread: "loopwright/replyThread",
  resolveThread: "loopwright/resolveThread",
  viewed: "loopwright/viewed",
  interdiff: "loopwright/interdiff",
  ready: "$/loopwright/ready",
} as const;

export interface ThreadComment {
  author: "human" | "reviewer" | "worker";
  body: string;
  round: number;
  at: number;
}

export interface ReviewThread {
  threadId: string;
  sessionId: string;
  path: string;
  side: "head" | "base";
  line: number;
  originalLine: number;
  round: number;
  outdated: boolean;
  resolved: boolean;
  author: "human" | "reviewer";
  comments: ThreadComment[];
}

export interface RoundFile extends ReviewFile {
  viewed?: boolean;
  changedSinceReviewed?: boolean;
  reviewedUri?: string;
}

/** `Review` with the fields of rounds; optional so that an older server still works. */
export interface RoundReview extends Omit<Review, "files"> {
  files: RoundFile[];
  round?: number;
  reviewedRound?: number;
  reviewedCommit?: string;
  waitingBecause?: string;
  viewedCount?: number;
  fileCount?: number;
  threads?: ReviewThread[];
}

export interface ThreadResult {
  sessionId: string;
  thread: ReviewThread;
}

export interface ViewedResult {
  sessionId: string;
  path: string;
  viewed: boolean;
  viewedCount: number;
  fileCount: number;
}

export interface InterdiffFile {
  path: string;
  fromUri: string;
  toUri: string;
}

export interface InterdiffResult {
  sessionId: string;
  fromCommit: string;
  toCommit: string;
  fromRound: number;
  toRound: number;
  diff: string;
  files: InterdiffFile[];
}
