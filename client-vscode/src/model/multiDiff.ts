// Which session's change a multi-file diff editor shows, from what the stable API tells
// of a tab: its label (we open it as `<name>: <title>`, or `<name>: changes since my last
// review …`) and, where the tab's input carries them, its diffs' modified URIs (review
// documents name their session). Pure, so it is unit-tested without VS Code.

import { parseReviewUri } from "./reviewUri";

export interface NamedSession {
  readonly sessionId: string;
  readonly name: string;
  readonly title: string;
}

/** The title `openReview` gives the multi-file diff editor of a session's change. */
export function changesTitle(name: string, title: string): string {
  return `${name}: ${title}`;
}

/** The title of the interdiff ("changes since my last review") of a session. */
export function interdiffTitle(name: string, fromRound: number, toRound: number): string {
  return `${name}: changes since my last review (round ${fromRound} → ${toRound})`;
}

/** The session whose review a multi-file diff tab shows, or undefined if none does. */
export function sessionOfChanges(label: string, modified: readonly string[] | undefined, sessions: Iterable<NamedSession>): string | undefined {
  if (modified !== undefined && modified.length > 0) {
    const ids = new Set(modified.map((uri) => parseReviewUri(uri)?.sessionId));
    if (ids.size === 1) {
      const [only] = ids;
      if (only !== undefined) {
        return only;
      }
    }
  }
  for (const s of sessions) {
    const title = changesTitle(s.name, s.title);
    // VS Code may add the file count to the label: "<title> (2 files)".
    if (label === title || label.startsWith(`${title} (`) || label.startsWith(`${s.name}: changes since my last review (`)) {
      return s.sessionId;
    }
  }
  return undefined;
}

/** The modified URIs of a tab input, if it is a multi-file diff that says (`textDiffs`). */
export function modifiedUrisOf(input: unknown): string[] | undefined {
  const diffs = (input as { textDiffs?: unknown } | null | undefined)?.textDiffs;
  if (!Array.isArray(diffs)) {
    return undefined;
  }
  return diffs.map((d) => String((d as { modified?: unknown })?.modified ?? ""));
}
