// What a command was invoked with: nothing (palette), a tree node (context menu or
// click), an id string (a tree item's command, a test), `{session}`/`{decision}`, or
// the URI of a review document (an editor title button).

import { REVIEW_SCHEME } from "../protocol";
import { parseReviewUri } from "./reviewUri";

export function sessionArg(arg: unknown): string | undefined {
  if (typeof arg === "string" && arg !== "") {
    return parseReviewUri(arg)?.sessionId ?? arg;
  }
  if (typeof arg === "object" && arg !== null) {
    const o = arg as Record<string, unknown>;
    // A review document's URI (an editor title button passes the editor's resource).
    if (o.scheme === REVIEW_SCHEME) {
      return parseReviewUri(String(arg))?.sessionId;
    }
    for (const key of ["sessionId", "session"]) {
      if (typeof o[key] === "string" && o[key] !== "") {
        return o[key] as string;
      }
    }
  }
  return undefined;
}

export function decisionArg(arg: unknown): string | undefined {
  if (typeof arg === "string" && arg !== "") {
    return arg;
  }
  if (typeof arg === "object" && arg !== null) {
    const o = arg as Record<string, unknown>;
    for (const key of ["decisionId", "decision"]) {
      if (typeof o[key] === "string" && o[key] !== "") {
        return o[key] as string;
      }
    }
  }
  return undefined;
}

/** A code-lens argument of the server's commands (`{session, hunk?, verdict?, ...}`). */
export function lensArg(args: readonly unknown[]): Record<string, unknown> {
  const first = args[0];
  return typeof first === "object" && first !== null ? { ...(first as Record<string, unknown>) } : {};
}
