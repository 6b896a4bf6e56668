// Review documents: `loopwright-review:/<session>/<base|head|reviewed>/<path>`, the file at
// the review's base or head commit, or as the human last reviewed it (the server's format, server/loopwright/lsp/reviews.py).
// Pure string handling, so it is unit-tested without VS Code.

import { REVIEW_SCHEME } from "../protocol";

/** `reviewed`: the file as the human last reviewed it (for "Changes since my last review"). */
export type Side = "base" | "head" | "reviewed";

export interface ReviewRef {
  readonly sessionId: string;
  readonly side: Side;
  readonly path: string;
}

/** The review document a URI string names, or undefined if it is not one. */
export function parseReviewUri(uri: string): ReviewRef | undefined {
  const prefix = `${REVIEW_SCHEME}:`;
  if (!uri.startsWith(prefix)) {
    return undefined;
  }
  let rest = uri.slice(prefix.length);
  // Drop an authority (`loopwright-review://x/...` is not what the server makes, but be lenient
  // with an empty one) and any query or fragment.
  if (rest.startsWith("//")) {
    rest = rest.slice(2);
  }
  rest = rest.replace(/[?#].*$/, "").replace(/^\/+/, "");
  const first = rest.indexOf("/");
  const second = first < 0 ? -1 : rest.indexOf("/", first + 1);
  if (first <= 0 || second < 0 || second === rest.length - 1) {
    return undefined;
  }
  const side = rest.slice(first + 1, second);
  if (side !== "base" && side !== "head" && side !== "reviewed") {
    return undefined;
  }
  try {
    return {
      sessionId: decodeURIComponent(rest.slice(0, first)),
      side,
      path: decodeURIComponent(rest.slice(second + 1)),
    };
  } catch {
    return undefined;
  }
}

/** The URI string of a review document, as the server formats it. */
export function formatReviewUri(ref: ReviewRef): string {
  const path = ref.path.split("/").map(encodeURIComponent).join("/");
  return `${REVIEW_SCHEME}:/${encodeURIComponent(ref.sessionId)}/${ref.side}/${path}`;
}

/** The tab title of a file's diff: `hello.txt (s-1234 base ↔ head)`. */
export function diffTitle(sessionName: string, path: string): string {
  const base = path.split("/").pop() ?? path;
  return `${base} (${sessionName}: base ↔ head)`;
}

/** What of a session row says which review it shows. */
export interface ReviewLook {
  readonly state: string;
  readonly added?: number;
  readonly removed?: number;
}

/**
 * Whether a session's review documents may read differently now: a new review was
 * prepared (the session came back to awaiting approval, e.g. after "Request changes")
 * or the change's size moved.
 */
export function reviewChanged(before: ReviewLook | undefined, now: ReviewLook): boolean {
  if (before === undefined) {
    return false;
  }
  const cameBack = before.state !== "awaiting_approval" && now.state === "awaiting_approval";
  return cameBack || before.added !== now.added || before.removed !== now.removed;
}
